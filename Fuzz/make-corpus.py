#!/usr/bin/env python3
"""Builds the fuzzers' seed corpus (Fuzz/corpus/decoder, Fuzz/corpus/json) from real streams.

    python3 Fuzz/make-corpus.py [--demo PATH-TO-charm-demo]

Needs charmos 0.5.2 (`python3 -m pip install --no-deps charmos==0.5.2`) and langchain-core.
Sources of the decoder seeds:
  - charmos 0.5.2 itself: Tests/Fixtures/charmos_session.py (CharmCallbackHandler and
    CharmEmitter, stdout and as Charm's runner re-frames it for SSE) and
    Tests/Fixtures/charmos_emitter.py (CharmEmitterExporter on every hook, both framings);
  - a LangChain callback stream: langchain-core's own callback manager, a fake streaming
    chat model and @tool tools (one that fails) driving charmos' CharmCallbackHandler, whose
    TelemetryManager prints the legacy `__CHARM_EVENT__` lines; also re-framed as SSE;
  - this package's demo agent (`charm-demo --pace 0`), whose lines carry the structured
    `telemetry` member, as stdout, SSE (with `id:`/`event:` lines and comments), NDJSON and
    `::CHARM_EVENT::` lines;
  - a few short hand-written streams for what real producers rarely print (CRLF, invalid
    UTF-8, NUL bytes, multi-line SSE data, a frame cut at the end, blank and raw lines).
The JSON seeds are single event lines and telemetry objects taken from those streams, and
hand-written values for the parser's corners (numbers, escapes, surrogates, nesting).
The output is deterministic except for timestamps; rerun it only to refresh the corpus.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OUT = os.path.join(ROOT, "Fuzz", "corpus")
PREFIX = "__CHARM_EVENT__"


def write(kind, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(OUT, kind, name), "wb") as f:
        f.write(data)


def run(args, stdin=None):
    return subprocess.run(args, check=True, capture_output=True, input=stdin).stdout


def to_sse(text):
    """Charm's runner re-framing a container's stdout (charm/runner/backend/docker.py)."""
    from charm.runner.protocol import sse_pack

    out = []
    for line in text.splitlines():
        safe = line.strip()
        if not safe:
            continue
        if PREFIX in safe:
            out.append(f"data: {safe.split(PREFIX)[1].strip()}\n\n")
        elif "::CHARM_EVENT::" in safe:
            out.append(f"data: {safe.split('::CHARM_EVENT::', 1)[1].strip()}\n\n")
        else:
            out.append(sse_pack("thinking", safe + "\n"))
    return "".join(out)


def langchain_stream():
    """A LangChain run's callbacks, dispatched by langchain-core, into charmos' handler."""
    from charm.core.callbacks import CharmCallbackHandler
    from charm.core.io import CharmEmitter
    from charm.core.telemetry import TelemetryManager
    from langchain_core.agents import AgentAction
    from langchain_core.callbacks import CallbackManager
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.tools import tool

    @tool
    def search(query: str) -> str:
        """Searches the web."""
        return f"3 results for {query!r}: Swift 6 — data-race safety by default"

    @tool
    def calculator(expression: str) -> str:
        """Evaluates arithmetic."""
        raise ZeroDivisionError("division by zero")

    handler = CharmCallbackHandler(telemetry_manager=TelemetryManager())
    config = {"callbacks": [handler]}
    buffer = io.StringIO()
    real = sys.__stdout__
    sys.__stdout__ = buffer  # CharmEmitter writes to sys.__stdout__
    try:
        with contextlib.redirect_stdout(buffer):
            CharmEmitter.emit_status("Agent starting")
            chain = CallbackManager([handler]).on_chain_start({"name": "AgentExecutor"}, {"input": "weather?"})
            chain.on_agent_action(AgentAction(tool="search", tool_input="weather in Tōkyō", log="I should search"))
            search.invoke({"query": "weather in Tōkyō"}, config=config)
            chain.on_agent_action(AgentAction(tool="calculator", tool_input="1/0", log="divide"))
            try:
                calculator.invoke({"expression": "1/0"}, config=config)
            except ZeroDivisionError:
                pass
            model = GenericFakeChatModel(messages=iter([AIMessage(content="晴れ ☀️, 18 °C in Tōkyō — \"clear\" skies.\nBye!")]))
            answer = "".join(chunk.content for chunk in model.stream("weather?", config=config))
            chain.on_chain_end({"output": answer})
            CharmEmitter.emit_final(answer)
    finally:
        sys.__stdout__ = real
    return buffer.getvalue()


def emitter_script():
    """Every hook of charmos' CharmEmitterExporter, with awkward text."""
    return [
        ["on_run_start", "run-1", {"input": "What is the weather in 東京?"}],
        ["on_agent_action", "search", "weather 東京"],
        ["on_tool_start", "search", "{\"q\": \"weather\\n東京\"}"],
        ["on_tool_end", "search", "晴れ ☀️ 18°C\tclear \"skies\""],
        ["on_tool_start", "calculator", "2 * (3 + 4)"],
        ["on_tool_error", "calculator", "ZeroDivisionError: division by zero"],
        ["on_llm_new_token", "Hello"],
        ["on_llm_new_token", " 🌍\n"],
        ["on_error", "run-1", "TimeoutError: model did not answer"],
        ["on_run_end", "run-1", {"output": "It is sunny."}],
    ]


HANDMADE = {
    # CRLF line ends, blank and raw lines, both prefixes, a prefix after text.
    "crlf-mixed.txt": b"starting\r\n__CHARM_EVENT__{\"type\": \"status\", \"content\": \"ok\"}\r\n\r\n"
    b"::CHARM_EVENT::{\"type\": \"delta\", \"content\": \"t\"}\r\nlog: __CHARM_EVENT__ {\"type\": \"final\", \"content\": \"done\"}\r\n",
    # SSE: id, event, retry, comments, a two-line data frame, a frame cut at the end.
    "sse-fields.sse": b": keep-alive\nretry: 3000\nevent: message\nid: 41\ndata: {\"type\": \"thinking\",\n"
    b"data:  \"content\": \"Using Tool: search\\nInput: x\"}\n\nid: 42\ndata: {\"type\": \"delta\", \"content\": \"a\"}\n\n"
    b"data: {\"type\": \"final\", \"content\": \"cut",
    # Invalid UTF-8, NUL bytes, control characters, a lone surrogate escape.
    "bytes.txt": b"__CHARM_EVENT__{\"type\": \"delta\", \"content\": \"\xff\xfe bad \xc3\"}\n\x00\x00raw\x00\n"
    b"{\"type\": \"delta\", \"content\": \"\\ud800 \\udc00 \\u0000\"}\n\x1b[31mred\x1b[0m\n",
    # Malformed lines in every framing, and valid JSON that is not an event.
    "malformed.txt": b"{\"type\": \"delta\" \"content\": 1}\n__CHARM_EVENT__[1, 2]\ndata: {\"content\": \"no type\"}\n\n"
    b"{\"type\": 7}\n::CHARM_EVENT::\n__CHARM_EVENT__{\"type\": \"delta\", \"telemetry\": {\"hook\": \"nope\"}}\n"
    b"{\"type\": \"delta\", \"telemetry\": 1, \"content\": \"x\", \"telemetry\": [2]}\n",
    # The legacy interpreter: a run of charmos texts without telemetry, then more after it ends.
    "legacy-texts.ndjson": b"{\"type\": \"thinking\", \"content\": \"Using Tool: search\\nInput: q\\n\"}\n"
    b"{\"type\": \"thinking\", \"content\": \"Tool Output: found\\n\"}\n{\"type\": \"delta\", \"content\": \"tok\"}\n"
    b"{\"type\": \"thinking\", \"content\": \"Tool Error: boom\\n\"}\n{\"type\": \"final\", \"content\": \"answer\"}\n"
    b"{\"type\": \"error\", \"content\": \"late\"}\n{\"type\": \"internal_run_finished\", \"content\": \"\"}\n"
    b"{\"type\": \"delta\", \"content\": \"second run\"}\n",
}

JSON_VALUES = [
    b"0", b"-0", b"-0.0", b"1e400", b"-1e-400", b"9223372036854775807", b"-9223372036854775808",
    b"9223372036854775808", b"123456789012345678901234567890", b"0.1", b"1E+2", b"NaN", b"-Infinity",
    b"[Infinity, NaN, -0.0, 5e-324, 1.7976931348623157e308]",
    b"\"\\u00e9\\ud83d\\ude00\\ud800\\udc00\\ud800x\\udfff\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\"",
    b"\"plain \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8c\x8d \xff invalid\"",
    b" \t\r\n{\"a\": [1, 2.5, true, false, null, {}, []], \"a\": {\"b\": \"later wins\"}} \n",
    b"[" * 40 + b"1" + b"]" * 40,
    b"{\"k\":" * 20 + b"{}" + b"}" * 20,
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", default=os.path.join(ROOT, ".build", "debug", "charm-demo"))
    args = parser.parse_args()
    for kind in ("decoder", "json"):
        os.makedirs(os.path.join(OUT, kind), exist_ok=True)

    py = sys.executable
    session = run([py, os.path.join(FIXTURES, "charmos_session.py")])
    write("decoder", "charmos-session.txt", session)
    write("decoder", "charmos-session.sse", run([py, os.path.join(FIXTURES, "charmos_session.py"), "--framing", "sse"]))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(emitter_script(), f)
    emitted = run([py, os.path.join(FIXTURES, "charmos_emitter.py"), f.name])
    write("decoder", "charmos-emitter.txt", emitted)
    write("decoder", "charmos-emitter.sse", run([py, os.path.join(FIXTURES, "charmos_emitter.py"), f.name, "--sse"]))
    os.unlink(f.name)

    lc = langchain_stream()
    write("decoder", "langchain-callbacks.txt", lc)
    write("decoder", "langchain-callbacks.sse", to_sse(lc))

    demo = run([args.demo, "--pace", "0", "--sessions", "2", "--seed", "7"]).decode("utf-8")
    demo_lines = demo.splitlines(keepends=True)
    write("decoder", "demo.txt", demo)
    # The runner's SSE with the extras a real server adds: ids, event names, keep-alives.
    sse = []
    for k, line in enumerate(demo_lines):
        if PREFIX in line:
            if k % 5 == 0:
                sse.append(": keep-alive\n")
            sse.append(f"id: {k}\nevent: message\ndata: {line.split(PREFIX, 1)[1].strip()}\n\n")
    write("decoder", "demo.sse", "".join(sse))
    write("decoder", "demo.ndjson", "".join(l.split(PREFIX, 1)[1] for l in demo_lines if PREFIX in l))
    write("decoder", "demo-alternate.txt", "".join(l.replace(PREFIX, "::CHARM_EVENT::") for l in demo_lines))
    # Short slices of the demo too: a mutation of a small seed runs faster.
    events = [l for l in demo_lines if PREFIX in l]
    hooks = {}
    for l in events:
        t = json.loads(l.split(PREFIX, 1)[1]).get("telemetry", {})
        hooks.setdefault(t.get("hook"), l)
    write("decoder", "demo-one-of-each-hook.txt", "".join(hooks.values()))
    write("decoder", "demo-head.txt", "".join(demo_lines[:12]))

    for name, data in HANDMADE.items():
        write("decoder", name, data)

    # JSON seeds: one line of each kind from the real streams, and their telemetry objects.
    picked = {}
    for source, text in (("charmos", session.decode()), ("langchain", lc), ("demo", demo)):
        for line in text.splitlines():
            if PREFIX not in line:
                continue
            body = line.split(PREFIX, 1)[1].strip()
            obj = json.loads(body)
            key = (source, obj.get("type"), (obj.get("telemetry") or {}).get("hook"))
            if key not in picked:
                picked[key] = body
    for k, ((source, type_, hook), body) in enumerate(sorted(picked.items(), key=lambda kv: str(kv[0]))):
        name = f"{source}-{type_}" + (f"-{hook}" if hook else "") + ".json"
        write("json", name, body)
        telemetry = json.loads(body).get("telemetry")
        if telemetry is not None and hook in ("tool_start", "run_end"):
            write("json", f"{source}-telemetry-{hook}.json", json.dumps(telemetry, ensure_ascii=False))
    for k, data in enumerate(JSON_VALUES):
        write("json", f"value-{k:02d}.json", data)


if __name__ == "__main__":
    main()
