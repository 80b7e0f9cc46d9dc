"""OTLP/HTTP load generator for `charm-bench otlp-receive`: the same spans, sent the same way,
to every receiver measured, so the sender's cost is identical for each.

The spans are those of pydantic-ai agent runs (`Agent.instrument_all()`, GenAI conventions):
each run is `invoke_agent weather` with three children, in the order BatchSpanProcessor
exports them (a child ends before its parent): `chat test` (a tool call requested),
`execute_tool get_weather`, `chat test` (the answer), then the agent span. Attributes and
their values are those pydantic-ai 2.x sets, token usage and messages included. They are made
once with the OpenTelemetry Python SDK (TracerProvider, in-memory exporter) and encoded with
the SDK's OTLP protobuf encoder into batches of 512 spans, as BatchSpanProcessor batches them;
each batch is then given fresh trace and span ids and serialized, all before anything is sent.

Driven over stdin/stdout (one line each way), so the caller reads the receiver's CPU just
before and after a send, and the bodies are built once for every receiver:
    stdout: {"ready": true, "spans": N, "requests": R, "bytes": B}
    stdin:  send URL COUNT     -> sends the first COUNT spans (a multiple of 4) to URL, as fast
                                  as the receiver answers, over --connections keep-alive
                                  connections; a 429/503 is retried after its Retry-After
                                  (at most 1 s); then prints one JSON line:
    stdout: {"url", "spans", "acknowledged", "rejected", "seconds", "requests", "retries",
             "failures", "statuses": {"200": n, ...}, "error"}
    stdin:  end of input       -> exits.

    python3 scripts/otlp_load.py --spans 200000 [--batch 512] [--connections 2]
needs: pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-common
"""
import argparse
import http.client
import json
import struct
import sys
import threading
import time
import urllib.parse

try:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind
except ImportError as error:  # the caller prints this and stops
    print(json.dumps({"error": f"the OpenTelemetry Python SDK is missing ({error}): "
                               "pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-common"}),
          flush=True)
    sys.exit(2)

SPANS_PER_RUN = 4

TOOL_SCHEMA = ('{"additionalProperties":false,"properties":{"city":{"type":"string"}},'
               '"required":["city"],"type":"object"}')
MODEL_REQUEST_PARAMETERS = (
    '{"function_tools":[{"name":"get_weather","parameters_json_schema":' + TOOL_SCHEMA + ','
    '"description":null,"outer_typed_dict_key":null,"strict":null,"sequential":false,"kind":"function",'
    '"metadata":null,"timeout":null,"defer_loading":false,"unless_native":null,"with_native":null,'
    '"tool_kind":null,"unless_tool_kind":null,"return_schema":null,"include_return_schema":null,'
    '"toolset_id":"<agent>","capability_id":null}],"native_tools":[],"tool_visibility":{"get_weather":"visible"},'
    '"revealed_tool_names":[],"introduced_tool_names":[],"deferred_capability_ids":[],"output_mode":"text",'
    '"output_object":null,"output_tools":[],"prompted_output_template":null,"allow_text_output":true,'
    '"allow_image_output":false,"instruction_parts":null,"instruction_visibility":null,"thinking":null,"cache":null}')
TOOL_DEFINITIONS = '[{"type":"function","name":"get_weather","parameters":' + TOOL_SCHEMA + '}]'
CHAT_SCHEMA = ('{"type":"object","properties":{"gen_ai.input.messages":{"type":"array"},'
               '"gen_ai.output.messages":{"type":"array"},"model_request_parameters":{"type":"object"}}}')
USER = '{"role":"user","parts":[{"type":"text","content":"weather in Paris?"}]}'
CALL = ('{"role":"assistant","parts":[{"type":"tool_call","id":"pyd_ai_tool_call_id__get_weather",'
        '"name":"get_weather","arguments":{"city":"a"}}]}')
RESULT = ('{"role":"user","parts":[{"type":"tool_call_response","id":"pyd_ai_tool_call_id__get_weather",'
          '"name":"get_weather","result":"sunny in a"}]}')
ANSWER = '{"role":"assistant","parts":[{"type":"text","content":"{\\"get_weather\\":\\"sunny in a\\"}"}]}'


def template_batch(batch):
    """One batch of whole runs, made by the SDK and encoded by its OTLP encoder."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "otlp-load"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("pydantic-ai", "2.68.0")
    common = {"gen_ai.agent.name": "weather", "gen_ai.agent.call.id": "01a229c2-2ebe-714a-97c3-7ec80293abfc",
              "gen_ai.conversation.id": "01a229c2-2ebe-714a-97c3-7ec91363217b"}
    chat = dict(common, **{
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "test", "gen_ai.system": "test",
        "gen_ai.request.model": "test", "model_request_parameters": MODEL_REQUEST_PARAMETERS,
        "gen_ai.tool.definitions": TOOL_DEFINITIONS, "logfire.json_schema": CHAT_SCHEMA, "gen_ai.response.model": "test"})
    for _ in range(batch // SPANS_PER_RUN):
        with tracer.start_as_current_span("invoke_agent weather", attributes=dict(common, **{
                "model_name": "test", "agent_name": "weather", "gen_ai.operation.name": "invoke_agent",
                "logfire.msg": "weather run"})) as agent:
            with tracer.start_as_current_span("chat test", kind=SpanKind.CLIENT, attributes=dict(chat, **{
                    "gen_ai.input.messages": f"[{USER}]", "gen_ai.output.messages": f"[{CALL}]",
                    "gen_ai.usage.input_tokens": 53, "gen_ai.usage.output_tokens": 5})):
                pass
            with tracer.start_as_current_span("execute_tool get_weather", attributes=dict(common, **{
                    "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                    "gen_ai.tool.call.id": "pyd_ai_tool_call_id__get_weather", "gen_ai.tool.call.arguments": '{"city":"a"}',
                    "logfire.msg": "running tool: get_weather", "gen_ai.tool.call.result": "sunny in a",
                    "logfire.json_schema": '{"type":"object","properties":{"gen_ai.tool.call.arguments":{"type":"object"},'
                                           '"gen_ai.tool.call.result":{"type":"object"},"gen_ai.tool.name":{},'
                                           '"gen_ai.tool.call.id":{}}}'})):
                pass
            with tracer.start_as_current_span("chat test", kind=SpanKind.CLIENT, attributes=dict(chat, **{
                    "gen_ai.input.messages": f"[{USER},{CALL},{RESULT}]", "gen_ai.output.messages": f"[{ANSWER}]",
                    "gen_ai.usage.input_tokens": 56, "gen_ai.usage.output_tokens": 11})):
                pass
            agent.set_attributes({
                "final_result": '{"get_weather":"sunny in a"}',
                "gen_ai.aggregated_usage.input_tokens": 109, "gen_ai.aggregated_usage.output_tokens": 16,
                "pydantic_ai.all_messages": f"[{USER},{CALL},{RESULT},{ANSWER}]",
                "logfire.json_schema": '{"type":"object","properties":{"pydantic_ai.all_messages":{"type":"array"},'
                                       '"final_result":{"type":"object"}}}'})
    spans = memory.get_finished_spans()  # in end order: children first, as BatchSpanProcessor sends them
    assert len(spans) == batch and all(s.name == "invoke_agent weather" for s in spans[SPANS_PER_RUN - 1::SPANS_PER_RUN])
    return encode_spans(spans)


class Bodies:
    """Serialized requests: the template with fresh ids for each run. The full batches for
    `total` spans are built at once; a send of a count that is not a whole number of batches
    ends with a shorter request, built before it starts."""

    def __init__(self, total, batch):
        self.batch = batch
        self.templates = {}
        self.full = [self.body(i * batch // SPANS_PER_RUN, batch) for i in range(total // batch)]

    def body(self, first_run, size):
        """A request of `size` spans, runs `first_run` + 1 onwards."""
        if size not in self.templates:
            self.templates[size] = template_batch(size)
        request = self.templates[size]
        spans = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
        for i in range(0, len(spans), SPANS_PER_RUN):
            run = first_run + i // SPANS_PER_RUN + 1
            trace_id = struct.pack(">QQ", 0x6368_6172_6D00_0000, run)
            agent_id = struct.pack(">Q", run << 2 | 3)
            for k, span in enumerate(spans[i:i + SPANS_PER_RUN]):
                span.trace_id = trace_id
                if k == SPANS_PER_RUN - 1:
                    span.span_id = agent_id
                else:
                    span.span_id = struct.pack(">Q", run << 2 | k)
                    span.parent_span_id = agent_id
        return request.SerializeToString()

    def first(self, count):
        """(bodies, span counts) for the first `count` spans (a multiple of 4)."""
        whole = min(len(self.full), count // self.batch)
        bodies, sizes = self.full[:whole], [self.batch] * whole
        rest = count - whole * self.batch
        if rest:
            bodies.append(self.body(whole * self.batch // SPANS_PER_RUN, rest))
            sizes.append(rest)
        return bodies, sizes


def send(url, bodies, sizes, connections, timeout):
    """Posts `bodies` (of `sizes` spans) to `url` over `connections` keep-alive connections."""
    target = urllib.parse.urlsplit(url)
    lock = threading.Lock()
    state = {"next": 0, "acknowledged": 0, "rejected": 0, "retries": 0, "failures": 0, "statuses": {}, "error": None}
    deadline = time.monotonic() + timeout

    def worker():
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {"Content-Type": "application/x-protobuf"}
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies) or state["error"]:
                break
            while True:
                if time.monotonic() > deadline:
                    with lock:
                        state["error"] = f"gave up after {timeout} s"
                    return
                try:
                    conn.request("POST", target.path, body=bodies[i], headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    with lock:
                        state["error"] = f"request {i}: {error!r}"
                    return
                status = response.status
                with lock:
                    state["statuses"][str(status)] = state["statuses"].get(str(status), 0) + 1
                if status in (429, 503):
                    with lock:
                        state["retries"] += 1
                    retry_after = response.getheader("Retry-After")
                    time.sleep(min(1.0, float(retry_after)) if retry_after and retry_after.isdigit() else 0.05)
                    continue
                break
            if 200 <= status < 300:
                answer = ExportTraceServiceResponse()
                try:
                    answer.ParseFromString(payload)
                except Exception:
                    pass
                rejected = answer.partial_success.rejected_spans
                with lock:
                    state["acknowledged"] += sizes[i] - rejected
                    state["rejected"] += rejected
            else:
                with lock:
                    state["failures"] += 1
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    state["seconds"] = time.perf_counter() - start
    state.pop("next")
    return state


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=512, help="spans per request (a multiple of 4)")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds one send may take before it gives up")
    args = parser.parse_args()
    if args.batch < SPANS_PER_RUN or args.batch % SPANS_PER_RUN or args.spans < SPANS_PER_RUN or args.connections < 1:
        parser.error("--batch must be a multiple of 4, --spans at least 4, --connections at least 1")
    total = args.spans - args.spans % SPANS_PER_RUN
    bodies = Bodies(total, args.batch)
    print(json.dumps({"ready": True, "spans": total, "requests": len(bodies.full),
                      "bytes": sum(map(len, bodies.full))}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) != 3 or words[0] != "send" or not words[2].isdigit():
            print(json.dumps({"error": f"unknown command: {line.strip()}"}), flush=True)
            continue
        count = max(SPANS_PER_RUN, min(total, int(words[2])))
        chosen, sizes = bodies.first(count - count % SPANS_PER_RUN)
        result = send(words[1], chosen, sizes, args.connections, args.timeout)
        result.update(url=words[1], spans=sum(sizes), requests=len(chosen))
        print(json.dumps(result), flush=True)

if __name__ == "__main__":
    main()
