"""Real LangChain agents (langchain's create_agent) misbehaving the ways the monitor's
detectors look for, instrumented by OpenLLMetry and exported over OTLP to the monitor under
test (the agents, tools and scripted chat model of langchain_agents.py):

- looper:  asks for the weather in Paris three times over (a loop);
- sleeper: calls a tool that takes 1.5 s (a stall under 1 s thresholds);
- stormy:  calls a tool that retries a failing lookup five times (an error storm);
- calm:    one weather question (nothing to find).

Prints, like every producer here, the runs the monitor must show (otlp_oracle.py), each with
its agent's name, so the test can tell which run each finding is about.

    python3 langchain_detectors.py --endpoint http://127.0.0.1:4318 [--protocol http|grpc]
"""
import asyncio
import time

from langchain.agents import create_agent
from langchain_core.tools import tool

import otlp_oracle
from langchain_agents import ScriptedChatModel, agent_name, flaky_lookup, get_weather, instrument, model, role, \
    tokens, tool_name


@tool
def slow_fetch(url: str) -> str:
    """Fetches a page from a server that takes its time."""
    time.sleep(1.5)
    return f"the page at {url}"


@tool
def retrying_lookup(key: str) -> str:
    """Looks a key up, retrying a flaky service five times."""
    for _ in range(5):
        try:
            return flaky_lookup.invoke({"key": key})
        except RuntimeError:
            pass
    return "gave up"


async def scenario():
    paris = ("get_weather", {"city": "Paris"})
    looper = create_agent(ScriptedChatModel(model_name="scripted-looper", plan=[paris, paris, paris]),
                          [get_weather], name="looper")
    sleeper = create_agent(ScriptedChatModel(model_name="scripted-sleeper", plan=[("slow_fetch", {"url": "http://x"})]),
                           [slow_fetch], name="sleeper")
    stormy = create_agent(ScriptedChatModel(model_name="scripted-stormy", plan=[("retrying_lookup", {"key": "k"})]),
                          [retrying_lookup], name="stormy")
    calm = create_agent(ScriptedChatModel(model_name="scripted-calm", plan=[("get_weather", {"city": "Rome"})]),
                        [get_weather], name="calm")
    for agent, question in [(looper, "weather?"), (sleeper, "fetch it"), (stormy, "look it up"), (calm, "weather?")]:
        await agent.ainvoke({"messages": [("user", question)]})


if __name__ == "__main__":
    otlp_oracle.main(__doc__, "langchain-detectors", instrument, scenario, role, agent_name, tool_name, model, tokens)
