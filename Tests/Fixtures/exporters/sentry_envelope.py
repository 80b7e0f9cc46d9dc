"""Reads a Sentry envelope with sentry-sdk's own parser.

usage: sentry_envelope.py BODY_FILE   (already gunzipped)
Prints {"headers": …, "items": [{"headers": …, "type": …, "payload": …}]}.
Exits 3 when sentry-sdk is not installed, 1 when the envelope does not parse.
"""
import json
import sys

try:
    from sentry_sdk.envelope import Envelope
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e}", file=sys.stderr)
    sys.exit(3)

data = open(sys.argv[1], "rb").read()
env = Envelope.deserialize(data)
items = []
for item in env.items:
    payload = item.payload.json
    if payload is None:
        print("item payload is not JSON", file=sys.stderr)
        sys.exit(1)
    # The parser trusts `length`; check it matches what we wrote.
    if "length" in item.headers and item.headers["length"] != len(item.payload.get_bytes()):
        print("length header does not match payload", file=sys.stderr)
        sys.exit(1)
    items.append({"headers": item.headers, "type": item.type, "payload": payload})
if not items:
    print("no items", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"headers": env.headers, "items": items}))
