"""Real pydantic-ai agents (TestModel: no network), instrumented with Agent.instrument_all(),
exported by the OpenTelemetry Python SDK over OTLP to the monitor under test.

An in-memory span exporter in the same process is the oracle: after the agents ran, this
prints (one JSON line on stdout) the runs the monitor must show, computed from those spans by
the mapping docs/otlp.md documents, written here independently of the monitor's code.

    python3 pydantic_ai_agents.py --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
                                  [--token T] [--batch] [--service NAME]
"""
import argparse
import asyncio
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from pydantic_ai import Agent, RunContext
from pydantic_ai.models.test import TestModel


def exporter(args):
    headers = {"authorization": f"Bearer {args.token}"} if args.token else None
    if args.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        return OTLPSpanExporter(endpoint=args.endpoint, insecure=True, headers=headers)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter(endpoint=args.endpoint.rstrip("/") + "/v1/traces", headers=headers)


def agents():
    weather = Agent(TestModel(), name="weather")

    @weather.tool_plain
    def get_weather(city: str) -> str:
        return f"sunny in {city}"

    fragile = Agent(TestModel(), name="fragile")

    @fragile.tool_plain
    def flaky_lookup(key: str) -> str:
        raise RuntimeError(f"lookup of {key} failed")

    researcher = Agent(TestModel(), name="researcher")

    @researcher.tool_plain
    def search(query: str) -> str:
        return f"3 results for {query}"

    planner = Agent(TestModel(), name="planner")

    @planner.tool
    async def delegate(ctx: RunContext[None], task: str) -> str:
        result = await researcher.run(f"research {task}")
        return str(result.output)

    return weather, fragile, planner


async def scenario():
    weather, fragile, planner = agents()
    # Concurrent runs of one agent, interleaving their spans.
    await asyncio.gather(weather.run("weather in Paris?"), weather.run("weather in Oslo?"))
    # A failing tool fails its run.
    try:
        await fragile.run("look it up")
    except Exception:
        pass
    # A nested agent: the planner's tool runs the researcher.
    await planner.run("plan a trip")


def hexid(i, width):
    return format(i, f"0{width}x")


def micros(ns):
    return ns // 1000


def expected_runs(spans):
    """The runs the monitor must show, from the oracle's spans (GenAI conventions)."""
    by_id = {s.context.span_id: s for s in spans}

    def role(s):
        op = (s.attributes or {}).get("gen_ai.operation.name")
        return {"invoke_agent": "agent", "execute_tool": "tool", "chat": "llm",
                "text_completion": "llm", "generate_content": "llm", "embeddings": "llm"}.get(op, "other")

    def owner(s):
        p = s.parent.span_id if s.parent else None
        while p is not None and p in by_id:
            ps = by_id[p]
            if role(ps) == "agent":
                return hexid(p, 16)
            p = ps.parent.span_id if ps.parent else None
        return None

    def ms(s):
        return round((micros(s.end_time) - micros(s.start_time)) / 1000, 3)

    def failed(s):
        return s.status.status_code == StatusCode.ERROR

    runs = {}
    for s in spans:
        if role(s) == "agent":
            runs[hexid(s.context.span_id, 16)] = {
                "run_id": hexid(s.context.span_id, 16), "parent_run_id": owner(s),
                "name": s.attributes.get("gen_ai.agent.name"),
                "status": "error" if failed(s) else "ok", "tool_calls": [], "llm_calls": [],
                "input_tokens": 0, "output_tokens": 0,
            }
    for s in sorted(spans, key=lambda s: (micros(s.start_time), hexid(s.context.span_id, 16))):
        r = role(s)
        if r not in ("tool", "llm"):
            continue
        o = owner(s) or "trace-" + hexid(s.context.trace_id, 32)
        run = runs[o]
        a = s.attributes
        if r == "tool":
            run["tool_calls"].append({"call_id": hexid(s.context.span_id, 16), "tool_name": a.get("gen_ai.tool.name"),
                                      "status": "error" if failed(s) else "ok", "duration_ms": ms(s)})
        else:
            inp = a.get("gen_ai.usage.input_tokens")
            out = a.get("gen_ai.usage.output_tokens")
            run["llm_calls"].append({"model": a.get("gen_ai.response.model") or a.get("gen_ai.request.model"),
                                     "input_tokens": inp, "output_tokens": out,
                                     "status": "error" if failed(s) else "ok", "duration_ms": ms(s)})
            run["input_tokens"] += inp or 0
            run["output_tokens"] += out or 0
    return sorted(runs.values(), key=lambda r: r["run_id"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--protocol", choices=["http", "grpc"], default="http")
    ap.add_argument("--token")
    ap.add_argument("--batch", action="store_true", help="BatchSpanProcessor instead of one request per span")
    ap.add_argument("--service", default="pydantic-ai-agents")
    args = ap.parse_args()

    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": args.service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    sender = exporter(args)
    provider.add_span_processor(BatchSpanProcessor(sender) if args.batch else SimpleSpanProcessor(sender))
    trace.set_tracer_provider(provider)
    Agent.instrument_all()

    asyncio.run(scenario())
    provider.shutdown()
    spans = memory.get_finished_spans()
    print(json.dumps({"spans": len(spans), "runs": expected_runs(spans)}))


if __name__ == "__main__":
    sys.exit(main())
