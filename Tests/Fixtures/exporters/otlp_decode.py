"""Decodes an OTLP/HTTP trace request body with the official opentelemetry-proto package.

usage: otlp_decode.py protobuf|json BODY_FILE [BODY_FILE …]
Prints the request as JSON (MessageToDict, proto field names, ids as hex).
Exits 3 when opentelemetry-proto is not installed, 1 when the body does not decode.
"""
import base64
import json
import sys

try:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e}", file=sys.stderr)
    sys.exit(3)

fmt = sys.argv[1]
requests = []
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    if fmt == "protobuf":
        req = ExportTraceServiceRequest.FromString(data)
        # Re-encoding must give the same bytes: catches fields the schema does not know.
        if req.SerializeToString() != data:
            print("re-encoded bytes differ from the body (unknown or misordered fields)", file=sys.stderr)
            sys.exit(1)
    else:
        doc = json.loads(data.decode("utf-8"))
        # OTLP/JSON departs from the Protobuf JSON mapping in one place: trace and span ids
        # are hex, not base64. Check that, then convert so json_format can parse the rest.
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    for key, size in (("traceId", 16), ("spanId", 8), ("parentSpanId", 8)):
                        if key in span:
                            raw = bytes.fromhex(span[key])
                            if len(raw) != size:
                                print(f"{key} is not {size} bytes of hex", file=sys.stderr)
                                sys.exit(1)
                            span[key] = base64.b64encode(raw).decode("ascii")
        req = json_format.Parse(json.dumps(doc), ExportTraceServiceRequest())
    requests.append(req)

# MessageToDict writes bytes as base64; tests compare hex ids, so spans are listed by hand.
spans = []
resource = {}
scope = {}
for rs in [rs for req in requests for rs in req.resource_spans]:
    for kv in rs.resource.attributes:
        resource[kv.key] = json_format.MessageToDict(kv.value)
    for ss in rs.scope_spans:
        for s in ss.spans:
            spans.append({
                "trace_id": s.trace_id.hex(),
                "span_id": s.span_id.hex(),
                "parent_span_id": s.parent_span_id.hex(),
                "name": s.name,
                "kind": int(s.kind),
                "start": str(s.start_time_unix_nano),
                "end": str(s.end_time_unix_nano),
                "status_code": int(s.status.code),
                "status_message": s.status.message,
                "attributes": {kv.key: json_format.MessageToDict(kv.value) for kv in s.attributes},
            })
        scope = {"name": ss.scope.name, "version": ss.scope.version}
print(json.dumps({"spans": spans, "resource": resource, "scope": scope}))
