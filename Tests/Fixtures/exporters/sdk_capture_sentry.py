"""Has sentry-sdk send the parity scenario to a capture server, so the Swift test can compare
what sentry-sdk sends with what SentryExporter sends for the same runs.

usage: sdk_capture_sentry.py BASE_URL
The scenario (the same as VendorParityTests' events): a session transaction
"invoke_agent Weather"; a nested planner run as its own transaction "invoke_agent planner"
continuing the session's trace (as SentryExporter maps nested runs), with an execute_tool span
web_search and an execute_tool span calculator whose ZeroDivisionError is captured inside it;
then in the session a gen_ai.chat span for gpt-4o with 2 output tokens. DSN
http://publickey42@HOST/7, environment "test", release "weather@1.0", traces_sample_rate 1.0.
Exits 3 without sentry-sdk.
"""
import sys
from urllib.parse import urlparse

try:
    import sentry_sdk
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e} (pip install 'sentry-sdk==2.75.*')", file=sys.stderr)
    sys.exit(3)

host = urlparse(sys.argv[1]).netloc
sentry_sdk.init(
    dsn=f"http://publickey42@{host}/7", environment="test", release="weather@1.0", traces_sample_rate=1.0,
    default_integrations=False, auto_enabling_integrations=False, server_name="charm-host",
)


def agent(name, **kw):
    t = sentry_sdk.start_transaction(op="gen_ai.invoke_agent", name=f"invoke_agent {name}", source="custom", **kw)
    t.set_data("gen_ai.operation.name", "invoke_agent")
    t.set_data("gen_ai.agent.name", name)
    return t


with agent("Weather") as session:
    session.set_tag("charm.run_id", "session-1")
    headers = {"sentry-trace": session.to_traceparent(), "baggage": session.to_baggage().serialize()}
    with sentry_sdk.isolation_scope():
        planner = sentry_sdk.continue_trace(headers, op="gen_ai.invoke_agent", name="invoke_agent planner", source="custom")
        planner.set_data("gen_ai.operation.name", "invoke_agent")
        planner.set_data("gen_ai.agent.name", "planner")
        with sentry_sdk.start_transaction(planner):
            planner.set_tag("charm.run_id", "session-1.planner")
            with sentry_sdk.start_span(op="gen_ai.execute_tool", name="execute_tool web_search") as tool:
                tool.set_data("gen_ai.operation.name", "execute_tool")
                tool.set_data("gen_ai.tool.name", "web_search")
                tool.set_data("gen_ai.tool.call.id", "call-1")
            with sentry_sdk.start_span(op="gen_ai.execute_tool", name="execute_tool calculator") as tool:
                tool.set_data("gen_ai.operation.name", "execute_tool")
                tool.set_data("gen_ai.tool.name", "calculator")
                tool.set_data("gen_ai.tool.call.id", "call-2")
                try:
                    24 / 0
                except ZeroDivisionError as e:
                    with sentry_sdk.new_scope() as scope:
                        scope.set_tag("charm.run_id", "session-1.planner")
                        scope.set_tag("gen_ai.tool.name", "calculator")
                        scope.set_tag("gen_ai.tool.call.id", "call-2")
                        sentry_sdk.capture_exception(e)
                    tool.set_status("internal_error")
    with sentry_sdk.start_span(op="gen_ai.chat", name="chat gpt-4o") as llm:
        llm.set_data("gen_ai.operation.name", "chat")
        llm.set_data("gen_ai.request.model", "gpt-4o")
        llm.set_data("gen_ai.system", "openai")
        llm.set_data("gen_ai.usage.output_tokens", 2)
sentry_sdk.flush()
