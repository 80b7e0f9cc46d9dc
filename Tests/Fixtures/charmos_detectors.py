#!/usr/bin/env python3
"""Agents misbehaving the ways the monitor's detectors look for, driven through REAL LangChain
callbacks: langchain_core `@tool` tools and a streaming fake chat model, invoked with
`callbacks=[CharmCallbackHandler(...)]`, so LangChain's own callback manager calls charmos's
handler, whose `TelemetryManager` writes `__CHARM_EVENT__` lines on stdout as they happen.

    python3 -u charmos_detectors.py --scenario loop|stall|storm|clean [--sleep SECONDS]

- loop:  the agent searches for the same thing three times over.
- stall: a tool that takes `--sleep` seconds, then a token stream that pauses as long.
- storm: five lookups in a row, each failing.
- clean: different searches, a calculation, a streamed answer: nothing to find.
Every scenario streams tokens and ends with charmos's `final` event (the legacy run's end).
"""
import argparse
import time

from charm.core.callbacks import CharmCallbackHandler
from charm.core.io import CharmEmitter
from charm.core.telemetry import TelemetryManager
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

SLEEP = 2.0


@tool
def search(query: str) -> str:
    """Searches the web."""
    return f"3 results for {query}"


@tool
def calculator(expression: str) -> str:
    """Adds two numbers written as a+b."""
    a, b = expression.split("+")
    return str(int(a) + int(b))


@tool
def lookup(key: str) -> str:
    """Looks a key up in a service that is down."""
    raise RuntimeError(f"lookup of {key} failed: service unavailable")


@tool
def slow_fetch(url: str) -> str:
    """Fetches a page from a server that takes its time."""
    time.sleep(SLEEP)
    return f"the page at {url}"


def stream(handler, text, pause_after=None):
    """Streams `text` word by word through a chat model, LangChain calling on_llm_new_token."""
    model = GenericFakeChatModel(messages=iter([AIMessage(content=text)]))
    for i, _ in enumerate(model.stream("go", config={"callbacks": [handler]})):
        if pause_after is not None and i == pause_after:
            time.sleep(SLEEP)


def call(handler, t, arg):
    """Runs a tool as an agent's executor does; a failure is reported by LangChain and caught."""
    try:
        return t.invoke(arg, config={"callbacks": [handler]})
    except Exception:  # the agent carries on after a failed tool
        return None


def main():
    global SLEEP
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", choices=["loop", "stall", "storm", "clean"], required=True)
    ap.add_argument("--sleep", type=float, default=SLEEP)
    args = ap.parse_args()
    SLEEP = args.sleep
    handler = CharmCallbackHandler(telemetry_manager=TelemetryManager())
    CharmEmitter.emit_status(f"{args.scenario} agent starting")
    stream(handler, "Let me look that up")
    if args.scenario == "loop":
        for _ in range(3):
            call(handler, search, "weather in Paris")
    elif args.scenario == "stall":
        call(handler, search, "a slow site")
        call(handler, slow_fetch, "http://slow.example")
        stream(handler, "Reading the page now, it says", pause_after=2)
    elif args.scenario == "storm":
        for i in range(5):
            call(handler, lookup, f"key-{i}")
    else:
        call(handler, search, "weather in Paris")
        call(handler, calculator, "2+3")
        call(handler, search, "weather in Rome")
    stream(handler, "Here is the answer")
    CharmEmitter.emit_final(f"{args.scenario} done")


if __name__ == "__main__":
    main()
