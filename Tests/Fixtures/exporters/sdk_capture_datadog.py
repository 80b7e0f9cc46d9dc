"""Has ddtrace's own LLM Observability SDK send the parity scenario to a capture server, so the
Swift test can compare what ddtrace sends with what DatadogExporter sends for the same runs.

usage: sdk_capture_datadog.py BASE_URL
The scenario (the same as VendorParityTests' events): a session agent run "Weather" with a
nested "planner" agent run; in the planner a tool call web_search that succeeds and a tool call
calculator that raises ZeroDivisionError; then in the session an llm call to gpt-4o (openai)
streaming "It is sunny." as 2 output tokens. Agentless, with DD_LLMOBS_OVERRIDE_ORIGIN pointing
at BASE_URL (ddtrace then posts to BASE_URL/api/v2/llmobs). Exits 3 without ddtrace.
"""
import os
import sys

os.environ.update({
    "DD_LLMOBS_OVERRIDE_ORIGIN": sys.argv[1],
    "DD_API_KEY": "dd-secret-key",
    "DD_SITE": "datadoghq.com",
    "DD_SERVICE": "weather-service",
    "DD_ENV": "test",
    # Nothing but LLM Observability spans may reach the capture server.
    "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
    "DD_REMOTE_CONFIGURATION_ENABLED": "false",
    "DD_TRACE_ENABLED": "false",
})
try:
    from ddtrace.llmobs import LLMObs
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e} (pip install 'ddtrace==4.16.*')", file=sys.stderr)
    sys.exit(3)

LLMObs.enable(ml_app="weather-agent", agentless_enabled=True, integrations_enabled=False)
with LLMObs.agent(name="Weather", session_id="session-1"):
    LLMObs.annotate(input_data={"input": "weather in Paris?"})
    with LLMObs.agent(name="planner"):
        LLMObs.annotate(input_data={"goal": "weather in Paris?"})
        with LLMObs.tool(name="web_search"):
            LLMObs.annotate(input_data="paris weather", output_data="sunny, 24C")
        try:
            with LLMObs.tool(name="calculator"):
                LLMObs.annotate(input_data="24/0")
                24 / 0
        except ZeroDivisionError:
            pass
        LLMObs.annotate(output_data={"plan": "search, then answer"})
    with LLMObs.llm(model_name="gpt-4o", model_provider="openai", name="llm"):
        LLMObs.annotate(output_data=[{"role": "assistant", "content": "It is sunny."}], metrics={"output_tokens": 2})
    LLMObs.annotate(output_data={"output": "It is sunny."})
LLMObs.flush()
LLMObs.disable()
