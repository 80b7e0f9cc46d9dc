"""Bad and good OTLP requests against the monitor under test. Prints one JSON object: per
case, the HTTP status (or gRPC code), Content-Type, Retry-After, and the body decoded with the
vendors' own classes (opentelemetry-proto's export responses, googleapis' google.rpc.Status).

    python3 bad_input.py --http http://127.0.0.1:PORT --grpc 127.0.0.1:PORT --token T

The valid requests among them carry one agent run (span id 1111111111111111) with a tool
call and a model call, sent as OTLP/JSON with hex ids, gzipped, after the bad ones: the
monitor must show it whole.
"""
import argparse
import gzip
import json
import urllib.error
import urllib.request

import grpc
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

TRACE = "5b8efff798038103d269b633813fc60c"


def span(span_id, parent, name, attrs, start, end, status=None):
    s = {"traceId": TRACE, "spanId": span_id, "name": name, "kind": 1,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
         "attributes": [{"key": k, "value": v} for k, v in attrs.items()]}
    if parent:
        s["parentSpanId"] = parent
    if status:
        s["status"] = status
    return s


def request(spans, service="bad-input-check"):
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "check"}, "spans": spans}]}]}


T0 = 1_764_000_000_000_000_000
AGENT = span("1111111111111111", None, "invoke_agent checker",
             {"gen_ai.operation.name": {"stringValue": "invoke_agent"},
              "gen_ai.agent.name": {"stringValue": "checker"}}, T0, T0 + 9_000_000)
TOOL = span("2222222222222222", "1111111111111111", "execute_tool lookup",
            {"gen_ai.operation.name": {"stringValue": "execute_tool"},
             "gen_ai.tool.name": {"stringValue": "lookup"},
             "gen_ai.tool.call.arguments": {"stringValue": "{\"q\": 1}"}}, T0 + 1_000_000, T0 + 3_000_000)
CHAT = span("3333333333333333", "1111111111111111", "chat gpt-x",
            {"gen_ai.operation.name": {"stringValue": "chat"},
             "gen_ai.request.model": {"stringValue": "gpt-x"},
             "gen_ai.usage.input_tokens": {"intValue": "120"},
             "gen_ai.usage.output_tokens": {"intValue": 7}}, T0 + 4_000_000, T0 + 8_000_000)
BAD_IDS = dict(span("abcd", None, "bad", {}, T0, T0 + 1), traceId="00")


def http(base, path, body, headers, method="POST"):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def describe(status, headers, body):
    out = {"status": status, "content_type": headers.get("Content-Type") or headers.get("content-type"),
           "retry_after": headers.get("Retry-After") or headers.get("retry-after")}
    ctype = out["content_type"] or ""
    try:
        if status == 200 and "protobuf" in ctype:
            r = trace_service_pb2.ExportTraceServiceResponse.FromString(body)
            out["rejected"] = r.partial_success.rejected_spans
        elif status == 200:
            r = json.loads(body or b"{}")
            out["rejected"] = int(r.get("partialSuccess", {}).get("rejectedSpans", 0))
            out["error_message"] = r.get("partialSuccess", {}).get("errorMessage", "")
        elif "protobuf" in ctype:
            s = status_pb2.Status.FromString(body)
            out["code"], out["message"] = s.code, s.message
        else:
            s = json.loads(body)
            out["code"], out["message"] = s["code"], s["message"]
    except Exception as e:  # a body the vendors' classes cannot read is itself a finding
        out["undecodable"] = repr(e)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", required=True)
    ap.add_argument("--grpc", required=True)
    ap.add_argument("--token", required=True)
    a = ap.parse_args()
    auth = {"Authorization": "Bearer " + a.token}
    pb = {"Content-Type": "application/x-protobuf", **auth}
    js = {"Content-Type": "application/json", **auth}
    results = {}
    results["garbage_protobuf"] = describe(*http(a.http, "/v1/traces", b"\xff\xff\xff\x0f garbage", pb))
    results["garbage_json"] = describe(*http(a.http, "/v1/traces", b"{not json", js))
    results["wrong_content_type"] = describe(*http(a.http, "/v1/traces", b"hello", {"Content-Type": "text/plain", **auth}))
    results["over_limit"] = describe(*http(a.http, "/v1/traces", b"\0" * (17 << 20), pb))
    results["wrong_token"] = describe(*http(a.http, "/v1/traces", b"", {"Content-Type": "application/x-protobuf",
                                                                       "Authorization": "Bearer nope"}))
    results["no_token"] = describe(*http(a.http, "/v1/traces", b"", {"Content-Type": "application/x-protobuf"}))
    results["bad_gzip"] = describe(*http(a.http, "/v1/traces", b"\x1f\x8b garbage", {**pb, "Content-Encoding": "gzip"}))
    results["unknown_path"] = describe(*http(a.http, "/v1/metrics", b"", pb))
    results["get"] = describe(*http(a.http, "/v1/traces", None, pb, method="GET"))
    # Valid: a tool call and a model call before their agent (as the SDKs send them), one
    # of them beside a span with bad ids (partial success), gzipped JSON; then the agent as
    # protobuf.
    first = json.dumps(request([TOOL, BAD_IDS])).encode()
    results["partial"] = describe(*http(a.http, "/v1/traces", gzip.compress(first), {**js, "Content-Encoding": "gzip"}))
    results["json_ok"] = describe(*http(a.http, "/v1/traces", json.dumps(request([CHAT])).encode(), js))
    channel = grpc.insecure_channel(a.grpc)
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    agent = trace_service_pb2.ExportTraceServiceRequest()
    from google.protobuf import json_format
    body = request([AGENT])
    for rs in body["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                for k in ("traceId", "spanId", "parentSpanId"):
                    if k in s:
                        import base64
                        s[k] = base64.b64encode(bytes.fromhex(s[k])).decode()
    json_format.ParseDict(body, agent)
    try:
        stub.Export(agent, metadata=[("authorization", "Bearer nope")], timeout=30)
        results["grpc_wrong_token"] = {"code": "OK"}
    except grpc.RpcError as e:
        results["grpc_wrong_token"] = {"code": e.code().name}
    r = stub.Export(agent, metadata=[("authorization", "Bearer " + a.token)], timeout=30)
    results["grpc_ok"] = {"code": "OK", "rejected": r.partial_success.rejected_spans}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
