"""Sends N spans (one root and N-1 children, as OTLPBenchmark does) with the Python
OpenTelemetry SDK (BatchSpanProcessor + OTLPSpanExporter over HTTP/protobuf) and prints the
seconds from the first span to the end of force_flush.

usage: otel_python_bench.py N ENDPOINT_URL   (e.g. http://127.0.0.1:4318/v1/traces)
needs: pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
"""
import sys
import time

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

n = max(1, int(sys.argv[1]))
endpoint = sys.argv[2]
provider = TracerProvider(resource=Resource.create({"service.name": "otel-python-bench"}))
provider.add_span_processor(
    BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint), max_queue_size=max(2048, n + 16), max_export_batch_size=512)
)
tracer = provider.get_tracer("bench")
start = time.perf_counter()
with tracer.start_as_current_span("invoke_agent bench", attributes={"gen_ai.operation.name": "invoke_agent"}):
    for i in range(1, n):
        with tracer.start_as_current_span(
            "execute_tool tool",
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "tool", "gen_ai.tool.call.id": f"bench-call-{i}"},
        ):
            pass
ok = provider.force_flush(timeout_millis=60_000)
elapsed = time.perf_counter() - start
provider.shutdown()
print(f"{elapsed:.6f}")
sys.exit(0 if ok else 1)
