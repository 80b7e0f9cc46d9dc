"""What the producers under Tests/Fixtures/otlp share: the OpenTelemetry SDK set up with an
in-memory exporter (the oracle) beside the OTLP exporter to the monitor under test, and the
runs the monitor must show, computed from the oracle's spans by the mapping docs/otlp.md
documents ("## Mapping"), written here independently of the monitor's Swift code.

Each producer says how its framework marks a span (`role`), names an agent, a tool and a
model, and counts tokens; the rest of the mapping (ownership by the nearest enclosing agent
span, the trace's run for spans under none, ids, durations, statuses) is the same for all.
"""
import argparse
import asyncio
import json
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode


def arguments(description, default_service):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--protocol", choices=["http", "grpc"], default="http")
    ap.add_argument("--token")
    ap.add_argument("--batch", action="store_true", help="BatchSpanProcessor instead of one request per span")
    ap.add_argument("--service", default=default_service)
    ap.add_argument("--dump", action="store_true", help="print every span's name and attributes on stderr")
    return ap.parse_args()


def exporter(args):
    headers = {"authorization": f"Bearer {args.token}"} if args.token else None
    if args.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        return OTLPSpanExporter(endpoint=args.endpoint, insecure=True, headers=headers)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter(endpoint=args.endpoint.rstrip("/") + "/v1/traces", headers=headers)


def provider(args):
    """A tracer provider sending to the monitor and to the returned in-memory oracle."""
    memory = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource.create({"service.name": args.service}))
    tp.add_span_processor(SimpleSpanProcessor(memory))
    sender = exporter(args)
    tp.add_span_processor(BatchSpanProcessor(sender) if args.batch else SimpleSpanProcessor(sender))
    return tp, memory


def dump(spans, out):
    for s in spans:
        print(format(s.context.trace_id, "032x"), format(s.context.span_id, "016x"),
              format(s.parent.span_id, "016x") if s.parent else "-", repr(s.name),
              s.status.status_code.name, dict(s.attributes or {}), file=out)


def hexid(i, width):
    return format(i, f"0{width}x")


def expected_runs(spans, role, agent_name, tool_name, model, tokens):
    """The runs the monitor must show.

    role(span) -> "agent" | "tool" | "llm" | "other"; agent_name(span) and tool_name(span)
    -> str; model(span) -> str | None; tokens(span) -> (input | None, output | None).
    """
    by_id = {s.context.span_id: s for s in spans}

    def owner(s):
        p = s.parent.span_id if s.parent else None
        while p is not None and p in by_id:
            ps = by_id[p]
            if role(ps) == "agent":
                return hexid(p, 16)
            p = ps.parent.span_id if ps.parent else None
        return None

    def micros(ns):
        return ns // 1000

    def ms(s):
        return round((micros(s.end_time) - micros(s.start_time)) / 1000, 3)

    def status(s):
        return "error" if s.status.status_code == StatusCode.ERROR else "ok"

    def trace_status(trace_id):
        roots = [s for s in spans if s.context.trace_id == trace_id and s.parent is None and role(s) != "agent"]
        return "error" if any(status(s) == "error" for s in roots) else "ok"

    runs = {}
    for s in spans:
        if role(s) == "agent":
            runs[hexid(s.context.span_id, 16)] = {
                "run_id": hexid(s.context.span_id, 16), "parent_run_id": owner(s), "name": agent_name(s),
                "status": status(s), "tool_calls": [], "llm_calls": [], "input_tokens": 0, "output_tokens": 0,
            }
    for s in sorted(spans, key=lambda s: (micros(s.start_time), hexid(s.context.span_id, 16))):
        r = role(s)
        if r not in ("tool", "llm"):
            continue
        run_id = owner(s) or "trace-" + hexid(s.context.trace_id, 32)
        # A trace's own run: made for spans no agent encloses, ok unless its root failed.
        run = runs.setdefault(run_id, {
            "run_id": run_id, "parent_run_id": None, "name": None, "status": trace_status(s.context.trace_id),
            "tool_calls": [], "llm_calls": [], "input_tokens": 0, "output_tokens": 0,
        })
        if r == "tool":
            run["tool_calls"].append({"call_id": hexid(s.context.span_id, 16), "tool_name": tool_name(s),
                                      "status": status(s), "duration_ms": ms(s)})
        else:
            inp, out = tokens(s)
            run["llm_calls"].append({"model": model(s), "input_tokens": inp, "output_tokens": out,
                                     "status": status(s), "duration_ms": ms(s)})
    for run in runs.values():
        # Tokens of the run's own calls: 0 without calls, None when none of them said.
        for k in ("input_tokens", "output_tokens"):
            said = [c[k] for c in run["llm_calls"] if c[k] is not None]
            run[k] = sum(said) if said or not run["llm_calls"] else None
    return sorted(runs.values(), key=lambda r: r["run_id"])


def main(description, default_service, instrument, scenario, role, agent_name, tool_name, model, tokens):
    """A producer's whole life: parse its arguments, set the SDK up, `instrument(provider)`,
    run `scenario()` (a coroutine function), then print the spans' count and the runs the
    monitor must show as one JSON line on stdout."""
    args = arguments(description, default_service)
    tp, memory = provider(args)
    instrument(tp)
    asyncio.run(scenario())
    tp.shutdown()
    spans = memory.get_finished_spans()
    if args.dump:
        dump(spans, sys.stderr)
    print(json.dumps({"spans": len(spans), "runs": expected_runs(spans, role, agent_name, tool_name, model, tokens)}))
