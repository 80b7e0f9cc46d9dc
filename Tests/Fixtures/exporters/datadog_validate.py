"""Validates a Datadog LLM Observability spans request against datadog_spans_schema.json
(written from Datadog's HTTP API reference) with jsonschema, plus the tree rules the schema
cannot state: one trace per request tree, parent ids that exist or are "undefined".

usage: datadog_validate.py BODY_FILE [BODY_FILE …]
Prints {"spans": [...], "ml_app": …, "tags": […]}. Exits 3 without jsonschema, 1 on a violation.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e}", file=sys.stderr)
    sys.exit(3)

schema = json.load(open(os.path.join(os.path.dirname(__file__), "datadog_spans_schema.json")))
spans = []
attrs = {}
for path in sys.argv[1:]:
    body = json.load(open(path))
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError as e:
        print(f"schema: {e.message} at {list(e.absolute_path)}", file=sys.stderr)
        sys.exit(1)
    attrs = body["data"]["attributes"]
    spans += attrs["spans"]
ids = {s["span_id"] for s in spans}
for s in spans:
    if s["parent_id"] != "undefined" and s["parent_id"] not in ids:
        print(f"span {s['name']} has unknown parent {s['parent_id']}", file=sys.stderr)
        sys.exit(1)
    if s.get("status") == "error" and "error" not in s["meta"]:
        print(f"span {s['name']} has status error without meta.error", file=sys.stderr)
        sys.exit(1)
print(json.dumps({"spans": spans, "ml_app": attrs.get("ml_app"), "tags": attrs.get("tags")}))
