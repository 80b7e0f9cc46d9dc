"""Has the langsmith SDK send the parity scenario to a capture server, so the Swift test can
compare what langsmith sends with what LangSmithExporter sends for the same runs.

usage: sdk_capture_langsmith.py BASE_URL
The scenario (the same as VendorParityTests' events), as RunTrees: a chain run "Weather"
(the session) with a nested chain run "planner"; in the planner a tool run web_search and a
tool run calculator ending with "ZeroDivisionError: division by zero"; then in the session an
llm run for gpt-4o (openai) with 2 output tokens. The client is flushed after every post and
every patch, so each is its own request, as LangSmithExporter's with one item per batch.
LANGSMITH_ENDPOINT is BASE_URL (whose /info answers {}, so the SDK uses /runs/multipart).
Exits 3 without langsmith.
"""
import os
import sys

os.environ.update({
    "LANGSMITH_ENDPOINT": sys.argv[1], "LANGSMITH_API_KEY": "ls-secret", "LANGSMITH_TRACING": "true",
    "LANGSMITH_PROJECT": "charm-tests",
})
try:
    from langsmith import Client
    from langsmith.run_trees import RunTree
except ImportError as e:  # pragma: no cover
    print(f"missing module: {e} (pip install 'langsmith==0.15.*')", file=sys.stderr)
    sys.exit(3)

client = Client()


def meta(run_id, call_id=None):
    m = {"charm_run_id": run_id}
    if call_id:
        m["charm_tool_call_id"] = call_id
    return {"metadata": m}


def post(run):
    run.post()
    client.flush()


def end(run, **kw):
    run.end(**kw)
    run.patch()
    client.flush()


session = RunTree(name="Weather", run_type="chain", inputs={"input": "weather in Paris?"}, client=client,
                  project_name="charm-tests", extra=meta("session-1"))
post(session)
planner = session.create_child(name="planner", run_type="chain", inputs={"goal": "weather in Paris?"},
                               extra=meta("session-1.planner"))
post(planner)
tool = planner.create_child(name="web_search", run_type="tool", inputs={"input": "paris weather"},
                            extra=meta("session-1.planner", "call-1"))
post(tool)
end(tool, outputs={"output": "sunny, 24C"})
tool = planner.create_child(name="calculator", run_type="tool", inputs={"input": "24/0"},
                            extra=meta("session-1.planner", "call-2"))
post(tool)
end(tool, error="ZeroDivisionError: division by zero")
end(planner, outputs={"plan": "search, then answer"})
llm = session.create_child(name="llm", run_type="llm", inputs={}, extra={
    "metadata": {"charm_run_id": "session-1", "ls_model_name": "gpt-4o", "ls_provider": "openai"}})
post(llm)
end(llm, outputs={"generations": [{"text": "It is sunny."}], "usage_metadata": {"output_tokens": 2}})
end(session, outputs={"output": "It is sunny."})
client.flush()
