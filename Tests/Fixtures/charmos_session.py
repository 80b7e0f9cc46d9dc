#!/usr/bin/env python3
"""Drives the real charmos 0.5.2 SDK through a scripted agent session and prints its stdout.

Used by the monitor's headless end-to-end tests as the oracle for Charm's legacy protocol:
`CharmCallbackHandler` dispatches through charmos's own `TelemetryManager`, whose default
`CharmEmitterExporter` writes `__CHARM_EVENT__{json}` lines on the real stdout.

    python3 charmos_session.py [--framing stdout|sse]

`--framing sse` rewrites the output the way Charm's runner does before streaming it
(charm/runner/backend/docker.py): the JSON after the event prefix becomes `data: <json>\n\n`,
and any other non-empty line becomes a `thinking` event (`sse_pack`).
"""
import argparse
import contextlib
import io
import sys

from charm.core.callbacks import CharmCallbackHandler
from charm.core.io import CharmEmitter
from charm.core.telemetry import TelemetryManager
from charm.runner.protocol import EVENT_PREFIX, sse_pack


class Action:
    """What LangChain passes to on_agent_action: an object with tool and tool_input."""

    def __init__(self, tool, tool_input):
        self.tool = tool
        self.tool_input = tool_input


def session():
    """One successful run with tool calls and tokens, then a run that fails."""
    handler = CharmCallbackHandler(telemetry_manager=TelemetryManager())
    CharmEmitter.emit_status("Agent starting")
    handler.on_agent_action(Action("search", "swift concurrency"))
    handler.on_tool_start({"name": "search"}, "swift concurrency")
    handler.on_tool_end("Found 3 results")
    handler.on_tool_start({"name": "calculator"}, "1/0")
    handler.on_tool_error(ZeroDivisionError("division by zero"))
    for token in ["Hello", ", ", "世界", " 🌍", "!"]:
        handler.on_llm_new_token(token)
    sys.__stdout__.write("a raw print that escaped the wrapper\n")
    CharmEmitter.emit_final("Hello, 世界 🌍!")
    handler.on_llm_new_token("partial")
    CharmEmitter.emit_error("boom: the model went away")


def to_sse(text):
    """The runner's rewriting of a container's stdout into SSE frames."""
    out = []
    for line in text.splitlines():
        safe = line.strip()
        if not safe:
            continue
        if EVENT_PREFIX in safe:
            out.append(f"data: {safe.split(EVENT_PREFIX)[1].strip()}\n\n")
        elif "::CHARM_EVENT::" in safe:
            out.append(f"data: {safe.split('::CHARM_EVENT::', 1)[1].strip()}\n\n")
        else:
            out.append(sse_pack("thinking", safe + "\n"))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framing", choices=["stdout", "sse"], default="stdout")
    args = parser.parse_args()
    buffer = io.StringIO()
    real = sys.__stdout__
    sys.__stdout__ = buffer  # CharmEmitter writes to sys.__stdout__
    try:
        with contextlib.redirect_stdout(buffer):
            session()
    finally:
        sys.__stdout__ = real
    text = buffer.getvalue()
    real.write(to_sse(text) if args.framing == "sse" else text)
    real.flush()


if __name__ == "__main__":
    main()
