// The Python bridge's source, kept as a Swift string so it ships inside the library: no
// resource bundle to locate at run time, which `swift run`, tests and installed binaries
// would each find in a different place. `PythonBridge.scriptPath()` writes it out once.

extension PythonBridge {
    /// The bridge program (Python 3.8+, standard library only), run as
    /// `python3 charm_bridge.py NAME...` or `python3 charm_bridge.py --list`.
    package static let script: String = #"""
"""charm-telemetry's Python bridge: runs Charm exporters (entry points of the group
`charm.telemetry`) on the NDJSON `telemetry` objects it reads on stdin.

Usage: charm_bridge.py NAME...    run the named exporters, one stdin line per hook
       charm_bridge.py --list     print the installed entry points as JSON and exit

On stdout it speaks the plugin health protocol, one JSON object per line:
{"ack": N, "health": "ok"|"failing", "error": "...", "sent": N}. Anything the exporters
print goes to stderr, so their output cannot corrupt that protocol.
"""
import builtins
import json
import os
import sys

GROUP = "charm.telemetry"
EX_CONFIG = 78


def group_entry_points():
    from importlib.metadata import entry_points
    try:
        return list(entry_points(group=GROUP))
    except TypeError:  # Python < 3.10 returns a dict
        return list(entry_points().get(GROUP, []))


def make_error(value):
    """An exception carrying the type name and message we were given, as Charm passes one."""
    if isinstance(value, dict):
        name = str(value.get("type") or "Exception")
        message = "" if value.get("message") is None else str(value.get("message"))
    else:
        name, message = "Exception", "" if value is None else str(value)
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = type(name if name.isidentifier() else "Exception", (Exception,), {})
    try:
        return cls(message)
    except Exception:
        return Exception(message)


def as_dict(value):
    if isinstance(value, dict):
        return value
    return {} if value is None else {"input": value}


def text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def hook_call(t):
    """(method name, Charm's positional arguments) for one telemetry object."""
    hook = t.get("hook")
    run_id = text(t.get("run_id"))
    if hook == "run_start":
        return "on_run_start", (run_id, as_dict(t.get("inputs")))
    if hook == "run_end":
        return "on_run_end", (run_id, as_dict(t.get("outputs")))
    if hook == "error":
        return "on_error", (run_id, make_error(t.get("error")))
    if hook == "tool_start":
        return "on_tool_start", (text(t.get("tool_name")), text(t.get("input")))
    if hook == "tool_end":
        return "on_tool_end", (text(t.get("tool_name")), text(t.get("output")))
    if hook == "tool_error":
        return "on_tool_error", (text(t.get("tool_name")), make_error(t.get("error")))
    if hook == "llm_new_token":
        return "on_llm_new_token", (text(t.get("token")),)
    if hook == "agent_action":
        return "on_agent_action", (text(t.get("tool")), text(t.get("tool_input")))
    return None, ()


def main(argv):
    # The real stdout carries the protocol; everything else printed goes to stderr.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def say(**members):
        proto.write(json.dumps(members, ensure_ascii=False) + "\n")
        proto.flush()

    if "--list" in argv:
        eps = [{"name": ep.name, "value": ep.value} for ep in group_entry_points()]
        say(entry_points=eps)
        return 0

    names = [a for a in argv if not a.startswith("-")]
    available = {ep.name: ep for ep in group_entry_points()}
    exporters = []
    for name in names:
        ep = available.get(name)
        if ep is None:
            say(health="failing", error=f"no entry point '{name}' in group {GROUP}")
            return EX_CONFIG
        try:
            exporters.append((name, ep.load()()))
        except Exception as e:  # a broken exporter must say why, not just die
            say(health="failing", error=f"cannot load '{name}': {type(e).__name__}: {e}")
            return EX_CONFIG
    say(health="ok", ack=0)

    handled = delivered = 0
    for raw in sys.stdin.buffer:
        error = None
        try:
            t = json.loads(raw)
            if isinstance(t, dict) and isinstance(t.get("telemetry"), dict):
                t = t["telemetry"]
            method, args = hook_call(t if isinstance(t, dict) else {})
        except ValueError as e:
            method, args, error = None, (), f"unreadable line: {e}"
        if method is not None:
            for name, exporter in exporters:
                try:
                    getattr(exporter, method)(*args)
                    delivered += 1
                except Exception as e:  # isolated: reported, and the next event goes on
                    error = f"{name}.{method}: {type(e).__name__}: {e}"
        handled += 1
        if error is None:
            say(ack=handled, health="ok", sent=delivered)
        else:
            say(ack=handled, health="failing", error=error, sent=delivered)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
"""#
}
