"""Real pydantic-ai agents (TestModel: no network), instrumented with Agent.instrument_all(),
exported by the OpenTelemetry Python SDK over OTLP to the monitor under test.

An in-memory span exporter in the same process is the oracle: after the agents ran, this
prints (one JSON line on stdout) the runs the monitor must show, computed from those spans by
the GenAI rows of docs/otlp.md's mapping (otlp_oracle.py), written here independently of the
monitor's code.

    python3 pydantic_ai_agents.py --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
                                  [--token T] [--batch] [--service NAME] [--dump]

PYDANTIC_TEST_MODEL names the model TestModel reports (default `test`, which has no price).
"""
import asyncio
import os

from opentelemetry import trace
from pydantic_ai import Agent, RunContext
from pydantic_ai.models.test import TestModel

import otlp_oracle


def test_model():
    return TestModel(model_name=os.environ.get("PYDANTIC_TEST_MODEL", "test"))


def agents():
    weather = Agent(test_model(), name="weather")

    @weather.tool_plain
    def get_weather(city: str) -> str:
        return f"sunny in {city}"

    fragile = Agent(test_model(), name="fragile")

    @fragile.tool_plain
    def flaky_lookup(key: str) -> str:
        raise RuntimeError(f"lookup of {key} failed")

    researcher = Agent(test_model(), name="researcher")

    @researcher.tool_plain
    def search(query: str) -> str:
        return f"3 results for {query}"

    planner = Agent(test_model(), name="planner")

    @planner.tool
    async def delegate(ctx: RunContext[None], task: str) -> str:
        result = await researcher.run(f"research {task}")
        return str(result.output)

    return weather, fragile, planner


async def scenario():
    weather, fragile, planner = agents()
    # Concurrent runs of one agent, interleaving their spans.
    await asyncio.gather(weather.run("weather in Paris?"), weather.run("weather in Oslo?"))
    # A failing tool fails its run.
    try:
        await fragile.run("look it up")
    except Exception:
        pass
    # A nested agent: the planner's tool runs the researcher.
    await planner.run("plan a trip")


# GenAI semantic conventions, as docs/otlp.md maps them.
def role(s):
    op = (s.attributes or {}).get("gen_ai.operation.name")
    return {"invoke_agent": "agent", "execute_tool": "tool", "chat": "llm",
            "text_completion": "llm", "generate_content": "llm", "embeddings": "llm"}.get(op, "other")


def agent_name(s):
    return s.attributes.get("gen_ai.agent.name")


def tool_name(s):
    return s.attributes.get("gen_ai.tool.name")


def model(s):
    return s.attributes.get("gen_ai.response.model") or s.attributes.get("gen_ai.request.model")


def tokens(s):
    return s.attributes.get("gen_ai.usage.input_tokens"), s.attributes.get("gen_ai.usage.output_tokens")


def instrument(provider):
    trace.set_tracer_provider(provider)
    Agent.instrument_all()


if __name__ == "__main__":
    otlp_oracle.main(__doc__, "pydantic-ai-agents", instrument, scenario, role, agent_name, tool_name, model, tokens)
