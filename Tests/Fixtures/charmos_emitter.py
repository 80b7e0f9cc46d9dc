"""Oracle: replays a script of hook calls through charmos' own CharmEmitterExporter.

Usage: python3 charmos_emitter.py SCRIPT.json [--sse]
SCRIPT.json is a JSON array of [hook, arg1, arg2] items, e.g. ["on_tool_start", "search", "q"].
Prints exactly what charmos 0.5.2 prints on stdout; with --sse, each event line is re-framed
the way Charm's runner forwards it (charm/runner/backend/docker.py: `data: {json}\\n\\n`).
"""
import io
import json
import sys

from charm.core import io as charm_io
from charm.core.telemetry import CharmEmitterExporter

script = json.load(open(sys.argv[1], encoding="utf-8"))
sse = "--sse" in sys.argv[2:]

buf = io.StringIO()
real = sys.__stdout__
sys.__stdout__ = buf  # CharmEmitter writes to sys.__stdout__
try:
    exporter = CharmEmitterExporter()
    for call in script:
        hook, args = call[0], call[1:]
        if hook in ("on_error", "on_tool_error"):
            args = [args[0], Exception(args[1])]
        getattr(exporter, hook)(*args)
finally:
    sys.__stdout__ = real

out = buf.getvalue()
if sse:
    framed = []
    for line in out.split("\n"):
        if charm_io.EVENT_PREFIX in line:
            framed.append("data: " + line.split(charm_io.EVENT_PREFIX)[1].strip() + "\n\n")
    out = "".join(framed)
sys.stdout.buffer.write(out.encode("utf-8"))
