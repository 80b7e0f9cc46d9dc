"""The real `openai` client, instrumented by opentelemetry-instrumentation-openai-v2 with
message capture on, so each chat call is a span plus GenAI events sent as OTel log records
(`gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
`gen_ai.tool.message`, `gen_ai.choice`). The model is a tiny OpenAI-compatible server this
script starts on loopback (no network). The OpenTelemetry Python SDK's OTLP exporters send
spans and logs to the monitor under test.

In-memory exporters in the same process are the oracle: afterwards this prints (one JSON line
on stdout) what the monitor must show, computed from those spans and log records by the
mapping docs/otlp.md documents, written here independently of the monitor's code.

Three calls, each sending its logs and spans in a different order, as SDKs may:
- `early`: the call's events are sent before its span (the span arrives to find them);
- `waiting`: inside an agent span; the call's span is sent first and waits for the agent, the
  events come while it waits, then the agent;
- `late`: the span is sent (and goes out) before its events: they are shown, not attached.

    python3 openai_genai_events.py --endpoint http://127.0.0.1:4318 [--service NAME]
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true"

from openai import OpenAI  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor  # noqa: E402
from opentelemetry.sdk._logs import LoggerProvider  # noqa: E402
from opentelemetry.sdk._logs.export import (  # noqa: E402
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402


class FakeOpenAI(BaseHTTPRequestHandler):
    """`POST /v1/chat/completions`: answers with the last user message, reversed."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        last = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
        answer = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1764460800,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"answer to {last}"},
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class HeldSpans(SpanProcessor):
    """Sends ended spans over OTLP only when told, so the order of spans and logs is chosen."""

    def __init__(self, exporter):
        self.exporter = exporter
        self.held = []

    def on_end(self, span):
        self.held.append(span)

    def ship(self):
        spans, self.held = self.held, []
        if spans:
            self.exporter.export(spans)

    def shutdown(self):
        self.exporter.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def conversation(question):
    """All four input roles: system, user, an assistant tool call, the tool's answer."""
    return [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "What time is it?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "clock", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "12:00"},
        {"role": "user", "content": question},
    ]


def hexid(i, width):
    return format(i, f"0{width}x")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--service", default="openai-chat")
    args = parser.parse_args()
    base = args.endpoint.rstrip("/")

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    resource = Resource.create({"service.name": args.service})
    spans_seen = InMemorySpanExporter()
    held = HeldSpans(OTLPSpanExporter(endpoint=base + "/v1/traces"))
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans_seen))
    tracer_provider.add_span_processor(held)
    logs_seen = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs_seen))
    # Sent only when flushed below (the schedule is far longer than the script).
    logger_provider.add_log_record_processor(
        BatchLogRecordProcessor(OTLPLogExporter(endpoint=base + "/v1/logs"), schedule_delay_millis=600_000)
    )
    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider, logger_provider=logger_provider)
    tracer = tracer_provider.get_tracer("scenario")

    client = OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="not-a-key", max_retries=0)

    def ask(question):
        return client.chat.completions.create(model="gpt-4o-mini", messages=conversation(question))

    # early: events first, then the span.
    ask("early?")
    logger_provider.force_flush()
    held.ship()
    # waiting: the span waits for its agent; the events come meanwhile; then the agent.
    with tracer.start_as_current_span("invoke_agent clockwork") as agent:
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        agent.set_attribute("gen_ai.agent.name", "clockwork")
        ask("waiting?")
        held.ship()
        logger_provider.force_flush()
    held.ship()
    # late: the span goes out before its events.
    ask("late?")
    held.ship()
    logger_provider.force_flush()

    server.shutdown()

    # The oracle: each chat span's messages from the events with its span id, in order.
    records = [r.log_record for r in logs_seen.get_finished_logs()]
    calls = []
    for s in sorted(spans_seen.get_finished_spans(), key=lambda s: s.start_time):
        if s.attributes.get("gen_ai.operation.name") != "chat":
            continue
        mine = [r for r in records if r.span_id == s.context.span_id]
        inputs, outputs = [], []
        for r in mine:
            name = r.event_name
            if name == "gen_ai.choice":
                outputs.append(r.body)
            elif name.startswith("gen_ai.") and name.endswith(".message"):
                inputs.append({"role": name[len("gen_ai."):-len(".message")], **(r.body or {})})
        calls.append({
            "span_id": hexid(s.context.span_id, 16),
            "trace_id": hexid(s.context.trace_id, 32),
            "input_messages": inputs,
            "output_messages": outputs,
            "events": len(mine),
            # The third call's span went out before its events were sent.
            "attached": len(calls) < 2,
        })
    expected = {"calls": calls, "log_records": len(records)}
    print(json.dumps(expected), flush=True)
    tracer_provider.shutdown()
    logger_provider.shutdown()


if __name__ == "__main__":
    sys.exit(main())
