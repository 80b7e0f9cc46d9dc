#!/usr/bin/env python3
"""Runs charmos 0.5.2's own Docker runner (`DockerBackend.stream_logs`) on a scripted
container and prints the SSE it yields: the oracle for what Charm's runner really sends.

    python3 charmos_runner.py [--exit-code N] [--container-stdout]

Only the Docker engine is replaced: a fake client whose container's log stream holds the
lines an agent container prints under charmos' `script_builder` — its heartbeat
(`::CHARM_EVENT::{"type":"thinking","content":"..."}` every 5 s), the agent's own
`__CHARM_EVENT__` lines (through charmos' CharmCallbackHandler), a raw print carrying a
secret from the run's environment, an artifact report, and the cleanup trap's
`internal_run_finished`. Everything else — prefix parsing, redaction (`LogRedactor`),
de-duplication, "Execution Failed (Code N)." and the final `internal_run_finished` — is
charmos' code. `--container-stdout` prints the container's lines instead.
"""
import argparse
import asyncio
import contextlib
import io
import json
import sys
import tempfile

from charm.core.callbacks import CharmCallbackHandler
from charm.core.telemetry import TelemetryManager
from charm.runner.backend import docker as docker_backend
from charm.runner.backend.base import RunConfig

SECRET = "sk-test-0123456789abcdef"
HEARTBEAT = '::CHARM_EVENT::{"type":"thinking","content":"..."}'


class Action:
    def __init__(self, tool, tool_input):
        self.tool = tool
        self.tool_input = tool_input


def agent_lines():
    """The agent's own stdout, written by charmos' emitter."""
    buffer = io.StringIO()
    real = sys.__stdout__
    sys.__stdout__ = buffer
    try:
        with contextlib.redirect_stdout(buffer):
            handler = CharmCallbackHandler(telemetry_manager=TelemetryManager())
            handler.on_agent_action(Action("fetch", "https://example.com"))
            handler.on_tool_start({"name": "fetch"}, "https://example.com")
            handler.on_tool_end("200 OK")
            for token in ["Working", " on", " it"]:
                handler.on_llm_new_token(token)
    finally:
        sys.__stdout__ = real
    return buffer.getvalue().splitlines()


def container_lines(exit_code):
    lines = [HEARTBEAT, '::CHARM_EVENT::{"type":"status","content":"Running Agent (File Mode)..."}']
    lines += agent_lines()
    lines.append(HEARTBEAT)
    lines.append(f"calling the API with key {SECRET}")
    artifact = {"path": "/app/agent_code/out/report.pdf", "rel_path": "out/report.pdf",
                "mime": "application/pdf", "run_id": "run-42"}
    lines.append("::CHARM_EVENT::" + json.dumps({"type": "internal_artifact_found", "content": artifact}))
    lines.append(HEARTBEAT)
    lines.append("Traceback (most recent call last):")
    lines.append("RuntimeError: the agent crashed")
    lines.append('::CHARM_EVENT::{"type":"internal_run_finished","content":{"exit_code":'
                 + str(exit_code) + ',"duration_ms":0}}')
    return lines


class FakeContainer:
    def __init__(self, lines, exit_code):
        self._data = "".join(line + "\n" for line in lines).encode("utf-8")
        self._exit_code = exit_code

    def logs(self, stream, follow, stdout, stderr):
        # In uneven chunks, as a real log stream arrives.
        for i in range(0, len(self._data), 37):
            yield self._data[i:i + 37]

    def wait(self):
        return {"StatusCode": self._exit_code}

    def remove(self, force):
        pass


class FakeContainers:
    def __init__(self, container):
        self._container = container

    def run(self, *args, **kwargs):
        return self._container


class FakeClient:
    def __init__(self, container):
        self.containers = FakeContainers(container)


async def run_backend(exit_code):
    backend = docker_backend.DockerBackend.__new__(docker_backend.DockerBackend)
    backend.client = FakeClient(FakeContainer(container_lines(exit_code), exit_code))
    tmp = tempfile.mkdtemp()
    config = RunConfig(
        agent_id="agent-1", run_id="run-42", input_payload={}, env_vars={"OPENAI_API_KEY": SECRET},
        file_urls={}, script_content="true", host_artifact_path=tmp, host_cache_dir=tmp)
    out = []
    async for frame in backend.stream_logs(config):
        out.append(frame)
    return "".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit-code", type=int, default=137)
    parser.add_argument("--container-stdout", action="store_true")
    args = parser.parse_args()
    if args.container_stdout:
        sys.stdout.write("".join(line + "\n" for line in container_lines(args.exit_code)))
    else:
        sys.stdout.write(asyncio.run(run_backend(args.exit_code)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
