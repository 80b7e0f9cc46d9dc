"""Real LangChain agents (langchain's create_agent, a LangGraph graph) with a scripted chat
model (no network) and real @tool tools, instrumented by OpenLLMetry
(opentelemetry-instrumentation-langchain), exported by the OpenTelemetry Python SDK over OTLP
to the monitor under test.

The chat model is a `BaseChatModel` subclass answering from a script: it calls each tool of
its plan in turn, then gives the final answer, reporting its model name and token usage as a
provider's model does. It decides from the conversation alone, so concurrent runs are safe.

An in-memory span exporter in the same process is the oracle: after the agents ran, this
prints (one JSON line on stdout) the runs the monitor must show, computed from those spans by
the OpenLLMetry rows of docs/otlp.md's mapping (otlp_oracle.py).

    python3 langchain_agents.py --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
                                [--token T] [--batch] [--service NAME] [--dump]
"""
import asyncio

from langchain.agents import create_agent
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from opentelemetry.instrumentation.langchain import LangchainInstrumentor

import otlp_oracle


class ScriptedChatModel(BaseChatModel):
    """Calls the tools of `plan` ([(tool, arguments)]) one a turn, then answers."""

    model_name: str
    plan: list

    @property
    def _llm_type(self):
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        done = sum(1 for m in messages if isinstance(m, ToolMessage))
        if done < len(self.plan):
            name, arguments = self.plan[done]
            message = AIMessage(content="", tool_calls=[
                {"name": name, "args": arguments, "id": f"call_{done}", "type": "tool_call"}])
        else:
            message = AIMessage(content=f"{self.model_name} is done")
        # Token counts that differ per turn, so a call given to the wrong run shows.
        usage = {"input_tokens": 10 + 7 * len(messages), "output_tokens": 3 + done}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        message.usage_metadata = usage
        message.response_metadata = {"model_name": self.model_name}
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={
            "model_name": self.model_name,
            "token_usage": {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"],
                            "total_tokens": usage["total_tokens"]}})


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@tool
def flaky_lookup(key: str) -> str:
    """Looks a key up, and fails."""
    raise RuntimeError(f"lookup of {key} failed")


def agents():
    weather = create_agent(ScriptedChatModel(model_name="scripted-weather", plan=[("get_weather", {"city": "Paris"})]),
                           [get_weather], name="weather")
    # A failing tool: the exception ends the agent's graph, which fails.
    fragile = create_agent(ScriptedChatModel(model_name="scripted-fragile", plan=[("flaky_lookup", {"key": "k1"})]),
                           [flaky_lookup], name="fragile")
    # A nested agent: the planner's tool runs the researcher.
    researcher = create_agent(
        ScriptedChatModel(model_name="scripted-researcher", plan=[("get_weather", {"city": "Rome"})]),
        [get_weather], name="researcher")

    @tool
    async def research(topic: str) -> str:
        """Researches a topic with the researcher agent."""
        result = await researcher.ainvoke({"messages": [("user", topic)]})
        return result["messages"][-1].content

    planner = create_agent(ScriptedChatModel(model_name="scripted-planner", plan=[("research", {"topic": "a trip"})]),
                           [research], name="planner")
    return weather, fragile, planner


async def scenario():
    weather, fragile, planner = agents()
    # Concurrent runs of one agent, interleaving their spans.
    await asyncio.gather(weather.ainvoke({"messages": [("user", "weather in Paris?")]}),
                         weather.ainvoke({"messages": [("user", "weather in Lima?")]}))
    try:
        await fragile.ainvoke({"messages": [("user", "look it up")]})
    except RuntimeError:
        pass
    await planner.ainvoke({"messages": [("user", "plan a trip")]})


# OpenLLMetry, as docs/otlp.md maps it.
def role(s):
    a = s.attributes or {}
    op, kind = a.get("gen_ai.operation.name"), a.get("traceloop.span.kind")
    # LangGraph's graph span stands beside (or above) the graph's own chain span, which is
    # the run: it is structure only.
    if op == "invoke_agent" and kind is None and a.get("gen_ai.provider.name") == "langgraph":
        return "other"
    if op in ("invoke_agent", "create_agent"):
        return "agent"
    if op == "execute_tool":
        return "tool"
    if op in ("chat", "text_completion", "generate_content", "embeddings", "completion"):
        return "llm"
    if kind == "agent":
        return "agent"
    # A LangChain agent's own chain run inside another is a task named as the agent.
    if kind == "task" and a.get("traceloop.entity.name") is not None \
            and a.get("traceloop.entity.name") == a.get("traceloop.association.properties.lc_agent_name"):
        return "agent"
    if kind == "tool":
        return "tool"
    return "llm" if "llm.request.type" in a else "other"


def agent_name(s):
    return s.attributes.get("gen_ai.agent.name") or s.attributes.get("traceloop.entity.name") or s.name


def tool_name(s):
    return s.attributes.get("gen_ai.tool.name") or s.attributes.get("traceloop.entity.name") or s.name


def model(s):
    return s.attributes.get("gen_ai.response.model") or s.attributes.get("gen_ai.request.model")


def tokens(s):
    return s.attributes.get("gen_ai.usage.input_tokens"), s.attributes.get("gen_ai.usage.output_tokens")


def instrument(provider):
    LangchainInstrumentor().instrument(tracer_provider=provider)


if __name__ == "__main__":
    otlp_oracle.main(__doc__, "langchain-agents", instrument, scenario, role, agent_name, tool_name, model, tokens)
