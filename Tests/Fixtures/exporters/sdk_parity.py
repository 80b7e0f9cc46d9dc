"""Compares, field by field, what a vendor's own SDK sent with what our exporter sent for the
same runs (the parity scenario of sdk_capture_<vendor>.py and VendorParityTests).

usage: sdk_parity.py datadog|sentry|langsmith SDK_DIR OURS_DIR
Each directory holds the captured requests as JSON files {"method", "uri", "headers": {...},
"body_b64"} (bodies already gunzipped). Both sides are normalised to the same shape — Datadog
spans, Sentry envelope headers/items and child spans, LangSmith post and patch operations —
and matched by role: session, planner, tool (web_search), tool_error (calculator), llm.
Compared: key sets, names, kinds, statuses, tags, the model, token counts, errors, and the
tree (parents, trace ids); ids and timestamps only by shape. The differences we keep on
purpose are listed in ALLOWED (each documented in docs/exporters.md, "Parity with the
vendors' SDKs"); anything else is printed.
Prints {"sdk": ..., "ours": ..., "differences": [...]}; exit 0 either way, 2 on bad input.
"""
import base64
import email.parser
import email.policy
import glob
import json
import os
import re
import sys
from datetime import datetime

ROLES = ["session", "planner", "tool", "tool_error", "llm"]
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DEC = re.compile(r"^[0-9]{1,20}$")
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Keys present on one side only, on purpose: (vendor, where, key) -> why (see docs/exporters.md).
ALLOWED = {
    # Datadog: ddtrace posts to its EVP intake (llmobs-intake.<site>/api/v2/llmobs); we post to
    # the documented Spans API, whose span has meta.kind where the EVP event has meta.span.kind.
    ("datadog", "span", "_dd"): "tracer-internal sampling/APM ids of the EVP intake",
    ("datadog", "meta", "span"): "EVP spelling of meta.kind",
    ("datadog", "meta", "kind"): "Spans API spelling of meta.span.kind",
    ("datadog", "meta", "agent_attribution"): "ddtrace's parent-agent attribution, not in the Spans API",
    ("datadog", "error", "stack"): "Charm's hooks carry no traceback",
    ("datadog", "tag", "ddtrace.version"): "describes the Python tracer",
    ("datadog", "tag", "language"): "describes the Python tracer",
    ("datadog", "tag", "source"): "ours is a request-level tag (source:charm-telemetry)",
    ("datadog", "tag", "agent_service"): "ddtrace's service attribution",
    ("datadog", "tag", "service"): "ours are request-level tags (DD_SERVICE)",
    ("datadog", "tag", "env"): "ours are request-level tags (DD_ENV)",
    ("datadog", "tag", "version"): "ddtrace's DD_VERSION, empty here",
    ("datadog", "tag", "charm.run_id"): "our own correlation tag",
    ("datadog", "tag", "git.commit.sha"): "ddtrace reads the git repository it runs in",
    ("datadog", "tag", "git.repository_url"): "ddtrace reads the git repository it runs in",
    ("datadog", "tag", "charm.tool_call_id"): "our own correlation tag",
    # Sentry
    ("sentry", "event", "server_name"): "a host name says nothing about a run exported elsewhere",
    ("sentry", "event", "breadcrumbs"): "no breadcrumbs are collected",
    ("sentry", "event", "measurements"): "no measurements",
    ("sentry", "event", "logger"): "ours names the logger charm-telemetry",
    ("sentry", "exception", "stacktrace"): "Charm's hooks carry no traceback",
    ("sentry", "exception", "module"): "Charm's hooks carry no module (the SDK sends null)",
    ("sentry", "trace_ctx", "data"): "thread.id/thread.name describe the SDK's process",
    ("sentry", "trace_ctx", "status"): "ours always says ok/internal_error",
    ("sentry", "trace_ctx", "description"): "sentry-sdk sends null on transactions",
    ("sentry", "trace_ctx", "parent_span_id"): "sentry-sdk sends null on a root",
    ("sentry", "item", "item_count"): "span v2 items",
    ("sentry", "span", "is_segment"): "span v2 field",
    ("sentry", "span", "data"): "ours: span v1 data; v2: attributes",
    ("sentry", "span", "attributes"): "v2 attributes, compared as data",
    ("sentry", "span", "end_timestamp"): "v2 spelling of timestamp",
    ("sentry", "span", "timestamp"): "v1 spelling of end_timestamp",
    ("sentry", "span", "name"): "v2 spelling of description",
    ("sentry", "span", "description"): "v1 spelling of name",
    ("sentry", "span", "op"): "v1 op; v2 sentry.op attribute",
    ("sentry", "span", "origin"): "v1 origin; v2 sentry.origin attribute",
    ("sentry", "data", "thread.id"): "describes the SDK's process",
    ("sentry", "data", "thread.name"): "describes the SDK's process",
    ("sentry", "data", "server.address"): "a host name",
    ("sentry", "data", "process.runtime.name"): "describes the SDK's process",
    ("sentry", "data", "process.runtime.version"): "describes the SDK's process",
    ("sentry", "data", "sentry.segment.name"): "v2 attribute: ours are in their transaction",
    ("sentry", "data", "sentry.segment.id"): "v2 attribute: ours are in their transaction",
    ("sentry", "data", "sentry.sdk.name"): "v2 attribute: the event's sdk",
    ("sentry", "data", "sentry.sdk.version"): "v2 attribute: the event's sdk",
    ("sentry", "data", "sentry.release"): "v2 attribute: the event's release",
    ("sentry", "data", "sentry.environment"): "v2 attribute: the event's environment",
    ("sentry", "data", "sentry.op"): "v2 attribute: the span's op",
    ("sentry", "data", "sentry.origin"): "v2 attribute: the span's origin",
    # LangSmith
    ("langsmith", "op", "session_id"): "the SDK sends null; the project goes by session_name",
    ("langsmith", "metadata", "LANGSMITH_ENDPOINT"): "the SDK copies its LANGSMITH_* variables",
    ("langsmith", "metadata", "LANGSMITH_TRACING"): "the SDK copies its LANGSMITH_* variables",
    ("langsmith", "metadata", "LANGSMITH_PROJECT"): "the SDK copies its LANGSMITH_* variables",
    ("langsmith", "metadata", "revision_id"): "the SDK reads the git repository it runs in",
    ("langsmith", "metadata", "agent_action"): "ours: the agent action ending a token stream",
    ("langsmith", "outputs", "token_count"): "ours: the streamed token count (also in usage_metadata)",
    ("langsmith", "runtime", "platform"): "describes the SDK's process",
    ("langsmith", "runtime", "py_implementation"): "describes the SDK's process",
    ("langsmith", "runtime", "runtime_version"): "describes the SDK's process",
    ("langsmith", "runtime", "langchain_version"): "describes the SDK's process",
    ("langsmith", "runtime", "langchain_core_version"): "describes the SDK's process",
}

differences = []


def diff(vendor, role, what, sdk, ours):
    differences.append(f"{vendor} {role}: {what}: sdk {json.dumps(sdk, default=str)[:300]} / ours {json.dumps(ours, default=str)[:300]}")


def compare_keys(vendor, where, role, sdk, ours):
    # A null member says no more than an absent one (the SDKs send parent_run_id: null etc.).
    sdk_keys = {k for k, x in (sdk or {}).items() if x is not None}
    our_keys = {k for k, x in (ours or {}).items() if x is not None}
    for k in sorted(sdk_keys ^ our_keys):
        if (vendor, where, k) not in ALLOWED:
            side = "only in sdk" if k in sdk_keys else "only in ours"
            diff(vendor, role, f"{where} key {k!r} {side}", (sdk or {}).get(k), (ours or {}).get(k))


def same(vendor, role, what, sdk, ours):
    if sdk != ours:
        diff(vendor, role, what, sdk, ours)


def shape(vendor, role, what, pattern, *values):
    for side, v in zip(("sdk", "ours"), values):
        if not isinstance(v, str) or not pattern.match(v):
            diff(vendor, role, f"{what} ({side}) has the wrong shape", v if side == "sdk" else None, v if side == "ours" else None)


def is_time(v):
    if isinstance(v, (int, float)):
        return v > 1e9
    if isinstance(v, str):
        try:
            t = datetime.fromisoformat(v.replace("Z", "+00:00"))
            return t.tzinfo is not None
        except ValueError:
            return False
    return False


def times(vendor, role, what, sdk, ours):
    for side, v in (("sdk", sdk), ("ours", ours)):
        if not is_time(v):
            diff(vendor, role, f"{what} ({side}) is not a timestamp", sdk, ours)


def maybe_json(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def load(d):
    out = []
    for path in sorted(glob.glob(os.path.join(d, "*.json")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0)):
        r = json.load(open(path))
        r["body"] = base64.b64decode(r.pop("body_b64"))
        r["headers"] = {k.lower(): v for k, v in r["headers"].items()}
        out.append(r)
    return out


# ---------------------------------------------------------------- Datadog
def datadog_spans(requests):
    spans = []
    for r in requests:
        if r["method"] != "POST":
            continue
        body = json.loads(r["body"])
        if isinstance(body, list):  # ddtrace's EVP events
            for ev in body:
                spans += ev["spans"]
        else:  # the Spans API
            spans += body["data"]["attributes"]["spans"]
    return spans


def datadog_roles(spans):
    kind = lambda s: s["meta"].get("kind") or s["meta"].get("span", {}).get("kind")
    roles = {}
    for s in spans:
        k = kind(s)
        if k == "agent":
            roles["session" if s["parent_id"] == "undefined" else "planner"] = s
        elif k == "tool":
            roles["tool_error" if s.get("status") == "error" else "tool"] = s
        elif k == "llm":
            roles["llm"] = s
    return roles


def tagmap(s):
    m = {}
    for t in s.get("tags", []):
        k, _, v = t.partition(":")
        m[k] = v
    return m


def compare_datadog(sdk_req, our_req):
    v = "datadog"
    sdk, ours = datadog_roles(datadog_spans(sdk_req)), datadog_roles(datadog_spans(our_req))
    for role in ROLES:
        a, b = sdk.get(role), ours.get(role)
        if a is None or b is None:
            diff(v, role, "span missing", a is not None, b is not None)
            continue
        compare_keys(v, "span", role, a, b)
        compare_keys(v, "meta", role, a["meta"], b["meta"])
        for k in ("name", "status"):
            same(v, role, k, a.get(k), b.get(k))
        for k in ("model_name", "model_provider"):
            same(v, role, f"meta.{k}", a["meta"].get(k), b["meta"].get(k))
        same(v, role, "metrics", a.get("metrics"), b.get("metrics"))
        for io in ("input", "output"):
            x, y = a["meta"].get(io), b["meta"].get(io)
            same(v, role, f"meta.{io} keys", sorted(x or {}), sorted(y or {}))
            if x and y and "value" in x:
                same(v, role, f"meta.{io}.value", maybe_json(x["value"]), maybe_json(y.get("value")))
            if x and y and "messages" in x:
                same(v, role, f"meta.{io}.messages", x["messages"], y.get("messages"))
        if "error" in a["meta"] or "error" in b["meta"]:
            ea, eb = a["meta"].get("error", {}), b["meta"].get("error", {})
            compare_keys(v, "error", role, ea, eb)
            same(v, role, "error.message", ea.get("message"), eb.get("message"))
            # ddtrace qualifies the type with its module (builtins.ZeroDivisionError).
            same(v, role, "error.type (unqualified)", ea.get("type", "").rsplit(".", 1)[-1], eb.get("type"))
        ta, tb = tagmap(a), tagmap(b)
        compare_keys(v, "tag", role, ta, tb)
        same(v, role, "tag error", ta.get("error"), tb.get("error"))
        same(v, role, "tag error_type (unqualified)", ta.get("error_type", "").rsplit(".", 1)[-1] or None, tb.get("error_type"))
        same(v, role, "tag ml_app", ta.get("ml_app"), tb.get("ml_app"))
        same(v, role, "tag session_id = session_id", ta.get("session_id") == a.get("session_id"), tb.get("session_id") == b.get("session_id"))
        shape(v, role, "trace_id", HEX32, a["trace_id"], b["trace_id"])
        shape(v, role, "span_id", DEC, a["span_id"], b["span_id"])
        for side, x in (("sdk", a), ("ours", b)):
            if not (isinstance(x.get("start_ns"), int) and x["start_ns"] > 1e18 and isinstance(x.get("duration"), int)):
                diff(v, role, f"start_ns/duration ({side}) not integer nanoseconds", a.get("start_ns"), b.get("start_ns"))
    for side, roles in (("sdk", sdk), ("ours", ours)):
        if len(roles) < len(ROLES):
            continue
        parent = {"session": "undefined", "planner": roles["session"]["span_id"], "tool": roles["planner"]["span_id"],
                  "tool_error": roles["planner"]["span_id"], "llm": roles["session"]["span_id"]}
        for role in ROLES:
            if roles[role]["parent_id"] != parent[role]:
                diff(v, role, f"parent ({side}) is not the expected span", parent[role], roles[role]["parent_id"])
        if len({s["trace_id"] for s in roles.values()}) != 1 or len({s.get("session_id") for s in roles.values()}) != 1:
            diff(v, "all", f"spans ({side}) do not share one trace and session", None, None)
    return {"sdk": sdk, "ours": ours}


# ---------------------------------------------------------------- Sentry
def sentry_envelopes(requests):
    envs = []
    for r in requests:
        lines = r["body"].split(b"\n")
        header = json.loads(lines[0])
        items, i = [], 1
        while i < len(lines) and lines[i].strip():
            ih = json.loads(lines[i])
            payload = json.loads(lines[i + 1])
            items.append((ih, payload))
            i += 2
        envs.append((header, items))
    return envs


def v2_to_v1(span):
    """A span v2 item (sentry-sdk's gen_ai spans) in the v1 shape of a transaction's spans."""
    attrs = {k: a.get("value") for k, a in span.get("attributes", {}).items()}
    out = {k: span[k] for k in ("trace_id", "span_id", "parent_span_id", "start_timestamp") if k in span}
    # v2 says ok/error; v1 (a transaction's spans, ours) says ok or the failure, here internal_error.
    out["status"] = {"ok": "ok", "error": "internal_error"}.get(span.get("status"), span.get("status"))
    out["op"] = attrs.get("sentry.op")
    out["description"] = span.get("name")
    out["origin"] = attrs.get("sentry.origin")
    out["timestamp"] = span.get("end_timestamp")
    out["data"] = attrs
    return out


def sentry_model(requests):
    m = {"envelope_headers": [], "transactions": {}, "errors": [], "spans": {}, "item_headers": []}
    for header, items in sentry_envelopes(requests):
        m["envelope_headers"].append(header)
        for ih, payload in items:
            m["item_headers"].append(ih)
            if ih["type"] == "transaction":
                m["transactions"][payload["transaction"]] = payload
                for s in payload.get("spans", []):
                    s = dict(s, _transaction=payload["transaction"])
                    m["spans"][s.get("description")] = s
            elif ih["type"] == "span":
                for s in payload["items"]:
                    s1 = v2_to_v1(s)
                    s1["_transaction"] = s1["data"].get("sentry.segment.name")
                    m["spans"][s1["description"]] = s1
            elif ih["type"] == "event":
                m["errors"].append(payload)
    return m


def compare_sentry(sdk_req, our_req):
    v = "sentry"
    sdk, ours = sentry_model(sdk_req), sentry_model(our_req)
    # Envelope headers: the dynamic sampling context.
    for side, model in (("sdk", sdk), ("ours", ours)):
        for h in model["envelope_headers"]:
            if "trace" not in h:
                diff(v, "envelope", f"header without trace ({side})", None, h)
    if sdk["envelope_headers"] and ours["envelope_headers"]:
        a, b = sdk["envelope_headers"][0], ours["envelope_headers"][0]
        compare_keys(v, "envelope", "envelope", a, b)
        da, db = a.get("trace", {}), b.get("trace", {})
        compare_keys(v, "dsc", "envelope", da, db)
        for k in ("public_key", "environment", "release", "sample_rate", "sampled", "transaction"):
            same(v, "envelope", f"trace.{k}", da.get(k), db.get(k))
        shape(v, "envelope", "trace.trace_id", HEX32, da.get("trace_id"), db.get("trace_id"))
        for side, model in (("sdk", sdk), ("ours", ours)):
            if len({h.get("trace", {}).get("trace_id") for h in model["envelope_headers"]}) != 1:
                diff(v, "envelope", f"envelopes ({side}) carry more than one trace", None, None)
            if len({h.get("trace", {}).get("transaction") for h in model["envelope_headers"]}) != 1:
                diff(v, "envelope", f"envelopes ({side}) name more than one trace head", None, None)
    ia = next((h for h in sdk["item_headers"] if h["type"] in ("transaction", "event")), {})
    ib = next((h for h in ours["item_headers"] if h["type"] in ("transaction", "event")), {})
    compare_keys(v, "item", "item header", ia, ib)
    # Transactions.
    names = {"session": "invoke_agent Weather", "planner": "invoke_agent planner"}
    for role, name in names.items():
        a, b = sdk["transactions"].get(name), ours["transactions"].get(name)
        if a is None or b is None:
            diff(v, role, f"transaction {name!r} missing", a is not None, b is not None)
            continue
        compare_keys(v, "event", role, a, b)
        ta, tb = a["contexts"]["trace"], b["contexts"]["trace"]
        compare_keys(v, "trace_ctx", role, ta, tb)
        for k in ("op",):
            same(v, role, f"contexts.trace.{k}", ta.get(k), tb.get(k))
        same(v, role, "transaction_info", a.get("transaction_info"), b.get("transaction_info"))
        for k in ("environment", "release"):
            same(v, role, k, a.get(k), b.get(k))
        same(v, role, "tags", a.get("tags"), b.get("tags"))
        for k in ("gen_ai.operation.name", "gen_ai.agent.name"):
            same(v, role, f"contexts.trace.data.{k}", ta.get("data", {}).get(k), tb.get("data", {}).get(k))
        times(v, role, "start_timestamp", a.get("start_timestamp"), b.get("start_timestamp"))
        times(v, role, "timestamp", a.get("timestamp"), b.get("timestamp"))
        shape(v, role, "span_id", HEX16, ta.get("span_id"), tb.get("span_id"))
    for side, model in (("sdk", sdk), ("ours", ours)):
        t = model["transactions"]
        if all(n in t for n in names.values()):
            s, p = t[names["session"]]["contexts"]["trace"], t[names["planner"]]["contexts"]["trace"]
            if p.get("parent_span_id") != s["span_id"] or p["trace_id"] != s["trace_id"]:
                diff(v, "planner", f"({side}) not a child of the session in its trace", s, p)
    # Child spans.
    spans = {"tool": "execute_tool web_search", "tool_error": "execute_tool calculator", "llm": "chat gpt-4o"}
    for role, desc in spans.items():
        a, b = sdk["spans"].get(desc), ours["spans"].get(desc)
        if a is None or b is None:
            diff(v, role, f"span {desc!r} missing", a is not None, b is not None)
            continue
        for k in ("op", "status", "origin"):
            if k == "origin":
                continue  # manual vs auto.ai.charm_telemetry: who made the span
            same(v, role, k, a.get(k), b.get(k))
        same(v, role, "transaction", a["_transaction"], b["_transaction"])
        compare_keys(v, "data", role, a.get("data"), b.get("data"))
        for k in set(a.get("data", {})) & set(b.get("data", {})):
            same(v, role, f"data.{k}", a["data"][k], b["data"][k])
        times(v, role, "start_timestamp", a.get("start_timestamp"), b.get("start_timestamp"))
        times(v, role, "timestamp", a.get("timestamp"), b.get("timestamp"))
        shape(v, role, "span_id", HEX16, a.get("span_id"), b.get("span_id"))
    for side, model in (("sdk", sdk), ("ours", ours)):
        t, sp = model["transactions"], model["spans"]
        if all(n in t for n in names.values()) and all(d in sp for d in spans.values()):
            for role, desc in spans.items():
                owner = names["session"] if role == "llm" else names["planner"]
                if sp[desc].get("parent_span_id") != t[owner]["contexts"]["trace"]["span_id"]:
                    diff(v, role, f"({side}) span not a child of {owner}", None, sp[desc].get("parent_span_id"))
    # The error event.
    if len(sdk["errors"]) != 1 or len(ours["errors"]) != 1:
        diff(v, "tool_error", "error events", len(sdk["errors"]), len(ours["errors"]))
    else:
        a, b = sdk["errors"][0], ours["errors"][0]
        compare_keys(v, "event", "tool_error", a, b)
        xa, xb = a["exception"]["values"][0], b["exception"]["values"][0]
        compare_keys(v, "exception", "tool_error", xa, xb)
        for k in ("type", "value"):
            same(v, "tool_error", f"exception.{k}", xa.get(k), xb.get(k))
        same(v, "tool_error", "mechanism keys", sorted(xa.get("mechanism", {})), sorted(xb.get("mechanism", {})))
        same(v, "tool_error", "mechanism.handled", xa.get("mechanism", {}).get("handled"), xb.get("mechanism", {}).get("handled"))
        for k in ("level", "transaction", "transaction_info", "tags", "environment", "release"):
            same(v, "tool_error", k, a.get(k), b.get(k))
        ta, tb = a["contexts"]["trace"], b["contexts"]["trace"]
        compare_keys(v, "trace_ctx", "tool_error", ta, tb)
        for k in ("op", "description"):
            same(v, "tool_error", f"contexts.trace.{k}", ta.get(k), tb.get(k))
        times(v, "tool_error", "timestamp", a.get("timestamp"), b.get("timestamp"))
        for side, model, t in (("sdk", sdk, ta), ("ours", ours, tb)):
            tool = model["spans"].get(spans["tool_error"], {})
            planner = model["transactions"].get(names["planner"], {}).get("contexts", {}).get("trace", {})
            if t.get("span_id") != tool.get("span_id") or t.get("parent_span_id") != planner.get("span_id") \
                    or t.get("trace_id") != planner.get("trace_id"):
                diff(v, "tool_error", f"({side}) error not linked to the calculator span in the planner", tool, t)
    return {"sdk": sdk, "ours": ours}


# ---------------------------------------------------------------- LangSmith
def langsmith_ops(requests):
    ops = []  # (kind, run dict)
    for r in requests:
        if r["method"] != "POST":
            continue
        ctype = r["headers"].get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + r["body"])
            runs = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                value = json.loads(part.get_payload(decode=True))
                kind, _, rest = name.partition(".")
                rid, _, field = rest.partition(".")
                run = runs.setdefault((kind, rid), {})
                if field:
                    run[field] = value
                else:
                    run.update(value)
            ops += [(k, run) for (k, _), run in runs.items()]
        else:
            body = json.loads(r["body"])
            ops += [("post", x) for x in body.get("post", [])] + [("patch", x) for x in body.get("patch", [])]
    return ops


def langsmith_roles(ops):
    roles = {}
    for kind, run in ops:
        name, rt = run.get("name"), run.get("run_type")
        if rt == "chain":
            role = "planner" if run.get("parent_run_id") else "session"
        elif rt == "tool":
            role = "tool_error" if name == "calculator" else "tool"
        else:
            role = "llm"
        roles.setdefault(role, {})[kind] = run
    return roles


def compare_langsmith(sdk_req, our_req):
    v = "langsmith"
    sdk, ours = langsmith_roles(langsmith_ops(sdk_req)), langsmith_roles(langsmith_ops(our_req))
    for role in ROLES:
        for kind in ("post", "patch"):
            a, b = sdk.get(role, {}).get(kind), ours.get(role, {}).get(kind)
            if a is None or b is None:
                diff(v, role, f"{kind} missing", a is not None, b is not None)
                continue
            where = f"{role} {kind}"
            compare_keys(v, "op", where, a, b)
            for k in ("name", "run_type", "session_name", "tags", "inputs", "error", "events", "serialized"):
                same(v, where, k, a.get(k), b.get(k))
            strip = lambda o: {k: x for k, x in o.items() if (v, "outputs", k) not in ALLOWED} if isinstance(o, dict) else o
            same(v, where, "outputs", strip(a.get("outputs")), strip(b.get("outputs")))
            ea, eb = a.get("extra", {}), b.get("extra", {})
            compare_keys(v, "extra", where, ea, eb)
            compare_keys(v, "metadata", where, ea.get("metadata"), eb.get("metadata"))
            for k in set(ea.get("metadata", {})) & set(eb.get("metadata", {})):
                same(v, where, f"metadata.{k}", ea["metadata"][k], eb["metadata"][k])
            compare_keys(v, "runtime", where, ea.get("runtime"), eb.get("runtime"))
            if isinstance(a.get("outputs"), dict) and isinstance(b.get("outputs"), dict):
                compare_keys(v, "outputs", where, a["outputs"], b["outputs"])
            for k in ("id", "trace_id") + (("parent_run_id",) if role != "session" else ()):
                shape(v, where, k, UUID7, a.get(k), b.get(k))
            for k in ("start_time",) + (("end_time",) if kind == "patch" else ()):
                times(v, where, k, a.get(k), b.get(k))
            for side, x in (("sdk", a), ("ours", b)):
                segs = (x.get("dotted_order") or "").split(".")
                if not segs[0].endswith(x.get("trace_id") or "?") or not segs[-1].endswith(x.get("id") or "?") \
                        or not all(re.match(r"^\d{8}T\d{12}Z[0-9a-f-]{36}$", s) for s in segs):
                    diff(v, where, f"dotted_order ({side}) malformed", None, x.get("dotted_order"))
                if role != "session" and (len(segs) < 2 or not segs[-2].endswith(x.get("parent_run_id") or "?")):
                    diff(v, where, f"dotted_order ({side}) does not end with parent then run", None, x.get("dotted_order"))
    for side, roles in (("sdk", sdk), ("ours", ours)):
        if all(r in roles and "post" in roles[r] for r in ROLES):
            ids = {r: roles[r]["post"]["id"] for r in ROLES}
            parents = {"planner": ids["session"], "tool": ids["planner"], "tool_error": ids["planner"], "llm": ids["session"]}
            for r, p in parents.items():
                if roles[r]["post"].get("parent_run_id") != p:
                    diff(v, r, f"({side}) parent is not the expected run", p, roles[r]["post"].get("parent_run_id"))
            if {roles[r]["post"]["trace_id"] for r in ROLES} != {ids["session"]}:
                diff(v, "all", f"({side}) runs do not share the session's trace", None, None)
            order = sorted(ROLES, key=lambda r: roles[r]["post"]["start_time"])
            if sorted(ROLES, key=lambda r: ids[r]) != order:
                diff(v, "all", f"({side}) ids are not ordered by start time (UUIDv7)", order, sorted(ROLES, key=lambda r: ids[r]))
    return {"sdk": sdk, "ours": ours}


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("datadog", "sentry", "langsmith"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    vendor, sdk_dir, ours_dir = sys.argv[1:]
    sdk_req, our_req = load(sdk_dir), load(ours_dir)
    if not sdk_req or not our_req:
        print(f"nothing captured (sdk {len(sdk_req)}, ours {len(our_req)})", file=sys.stderr)
        sys.exit(2)
    result = {"datadog": compare_datadog, "sentry": compare_sentry, "langsmith": compare_langsmith}[vendor](sdk_req, our_req)
    result["differences"] = differences
    print(json.dumps(result, default=str))
