"""Real OpenAI Agents SDK agents with a scripted model (no network), instrumented by
OpenInference (openinference-instrumentation-openai-agents), exported by the OpenTelemetry
Python SDK over OTLP to the monitor under test.

The model is a `Model` subclass that answers from a script, as a provider's model does: in a
generation span (model name, tokens), calling each tool of its plan in turn, then giving the
final answer. It decides from the conversation alone, so concurrent runs of one agent are safe.

An in-memory span exporter in the same process is the oracle: after the agents ran, this
prints (one JSON line on stdout) the runs the monitor must show, computed from those spans by
the OpenInference rows of docs/otlp.md's mapping (otlp_oracle.py).

    python3 openai_agents.py --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
                             [--token T] [--batch] [--service NAME] [--dump]
"""
import asyncio
import json

from agents import Agent, Runner, Usage, function_tool
from agents.items import ModelResponse
from agents.models.interface import Model
from agents.tracing import generation_span
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

import otlp_oracle


class ScriptedModel(Model):
    """Calls the tools of `plan` ([(tool, arguments)]) one a turn, then answers."""

    def __init__(self, name, plan):
        self.name, self.plan = name, plan

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema, handoffs,
                           tracing, *, previous_response_id=None, conversation_id=None, prompt=None):
        items = input if isinstance(input, list) else [{"role": "user", "content": input}]
        done = sum(1 for i in items if isinstance(i, dict) and i.get("type") == "function_call_output")
        # Token counts that differ per turn, so a call given to the wrong run shows.
        usage = {"input_tokens": 10 + 7 * len(items), "output_tokens": 3 + done}
        with generation_span(model=self.name, model_config={"temperature": 0.0}, input=[
                {"role": "user", "content": json.dumps(items, default=str)[:200]}]) as span:
            await asyncio.sleep(0.002)
            if done < len(self.plan):
                tool, arguments = self.plan[done]
                output = [ResponseFunctionToolCall(type="function_call", id=f"fc_{done}", call_id=f"call_{done}",
                                                   name=tool, arguments=json.dumps(arguments))]
                span.span_data.output = [{"role": "assistant", "tool_calls": [
                    {"id": f"call_{done}", "function": {"name": tool, "arguments": json.dumps(arguments)}}]}]
            else:
                text = f"{self.name} is done"
                output = [ResponseOutputMessage(type="message", id="msg_1", role="assistant", status="completed",
                                                content=[ResponseOutputText(type="output_text", text=text,
                                                                            annotations=[])])]
                span.span_data.output = [{"role": "assistant", "content": text}]
            span.span_data.usage = usage
        return ModelResponse(output=output, response_id=None, usage=Usage(
            requests=1, input_tokens=usage["input_tokens"], output_tokens=usage["output_tokens"],
            total_tokens=usage["input_tokens"] + usage["output_tokens"]))

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError("the scenario does not stream")


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@function_tool
def flaky_lookup(key: str) -> str:
    """Looks a key up, and fails."""
    raise RuntimeError(f"lookup of {key} failed")


def agents():
    weather = Agent(name="weather", model=ScriptedModel("scripted-weather", [("get_weather", {"city": "Paris"})]),
                    tools=[get_weather])
    # A failing tool: the SDK tells the model, which answers anyway; the run succeeds.
    fragile = Agent(name="fragile", model=ScriptedModel("scripted-fragile", [("flaky_lookup", {"key": "k1"})]),
                    tools=[flaky_lookup])
    # A nested agent: the planner calls the researcher as a tool.
    researcher = Agent(name="researcher",
                       model=ScriptedModel("scripted-researcher", [("get_weather", {"city": "Rome"})]),
                       tools=[get_weather])
    planner = Agent(name="planner", model=ScriptedModel("scripted-planner", [("research", {"input": "a trip"})]),
                    tools=[researcher.as_tool("research", "Researches a topic.")])
    # A handoff: triage hands the conversation to billing.
    billing = Agent(name="billing", model=ScriptedModel("scripted-billing", [("get_weather", {"city": "Oslo"})]),
                    tools=[get_weather])
    triage = Agent(name="triage", model=ScriptedModel("scripted-triage", [("transfer_to_billing", {})]),
                   handoffs=[billing])
    return weather, fragile, planner, triage


async def scenario():
    weather, fragile, planner, triage = agents()
    # Concurrent runs of one agent, interleaving their spans.
    await asyncio.gather(Runner.run(weather, "weather in Paris?"), Runner.run(weather, "weather in Lima?"))
    await Runner.run(fragile, "look it up")
    await Runner.run(planner, "plan a trip")
    await Runner.run(triage, "a refund, please")


# OpenInference, as docs/otlp.md maps it.
def role(s):
    return {"AGENT": "agent", "TOOL": "tool", "LLM": "llm", "EMBEDDING": "llm"}.get(
        (s.attributes or {}).get("openinference.span.kind", "").upper(), "other")


def agent_name(s):
    return s.attributes.get("agent.name") or s.name


def tool_name(s):
    return s.attributes.get("tool.name") or s.name


def model(s):
    return s.attributes.get("llm.model_name")


def tokens(s):
    return s.attributes.get("llm.token_count.prompt"), s.attributes.get("llm.token_count.completion")


def instrument(provider):
    # Exclusive (the default): the SDK's own exporter to OpenAI's backend is not registered.
    OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)


if __name__ == "__main__":
    otlp_oracle.main(__doc__, "openai-agents", instrument, scenario, role, agent_name, tool_name, model, tokens)
