"""Validates a LangSmith /runs/batch body with the langsmith SDK's own schema and parser.

usage: langsmith_validate.py BODY_FILE [BODY_FILE …]
Every post is validated as langsmith.schemas.RunBase (merged with its later patches), and
dotted_order is parsed with langsmith.run_trees._parse_dotted_order and checked the way the
SDK builds it: first segment's id is trace_id, last is the run's id, the one before is
parent_run_id, and each segment's time is the run's start_time.
Prints {"runs": [merged run dicts]}. Exits 3 without langsmith, 1 on a violation.
"""
import json
import sys

try:
    from langsmith import schemas
    from langsmith.run_trees import _parse_dotted_order
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e}", file=sys.stderr)
    sys.exit(3)


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


runs = {}
order = []
for path in sys.argv[1:]:
    body = json.load(open(path))
    if set(body) - {"post", "patch"}:
        fail(f"unexpected keys {sorted(body)}")
    for op in ("post", "patch"):
        for run in body.get(op, []):
            for key in ("id", "trace_id", "dotted_order"):
                if not run.get(key):
                    fail(f"{op} without {key}: {run}")
            if op == "post":
                if run["id"] in runs:
                    fail(f"run {run['id']} posted twice")
                runs[run["id"]] = dict(run)
                order.append(run["id"])
            else:
                if run["id"] not in runs:
                    fail(f"patch before post for {run['id']}")
                if run["dotted_order"] != runs[run["id"]]["dotted_order"]:
                    fail("patch dotted_order differs from post")
                runs[run["id"]].update(run)

from datetime import timezone

for rid in order:
    run = runs[rid]
    model = schemas.RunBase.model_validate(run)
    segs = _parse_dotted_order(run["dotted_order"])
    if str(segs[-1][1]) != str(model.id):
        fail(f"dotted_order does not end with the run id: {run['dotted_order']}")
    if str(segs[0][1]) != run["trace_id"]:
        fail(f"dotted_order does not start with trace_id: {run['dotted_order']}")
    parent = run.get("parent_run_id")
    if len(segs) > 1:
        if str(segs[-2][1]) != parent:
            fail("parent_run_id is not the dotted_order's previous segment")
        if parent not in runs:
            fail("parent run was never posted")
        if runs[parent]["dotted_order"] != run["dotted_order"].rsplit(".", 1)[0]:
            fail("dotted_order does not extend the parent's")
    elif parent:
        fail("root run with parent_run_id")
    start = model.start_time.astimezone(timezone.utc).replace(tzinfo=None)
    if segs[-1][0] != start:
        fail(f"dotted_order time {segs[-1][0]} != start_time {start}")
    if run.get("run_type") not in ("chain", "tool", "llm"):
        fail(f"unexpected run_type {run.get('run_type')}")
print(json.dumps({"runs": [runs[r] for r in order]}))
