"""The peer for `charm-bench dispatch`: charmos 0.5.2's own TelemetryManager.dispatch.

Timed per call with perf_counter_ns, like the Swift side, and once more as a whole loop (one
clock read around all calls) for the mean without the per-call clock reads. charmos always installs its stdout
emitter; it is removed here so the exporters are the same no-op ones as in the Swift run.
A hung exporter cannot be measured: charmos calls exporters inline, so dispatch never returns.
"""
import json
import sys
import time

from charm.core.telemetry import BaseTelemetryExporter, TelemetryManager


class Noop(BaseTelemetryExporter):
    def on_run_start(self, run_id, inputs): pass
    def on_run_end(self, run_id, outputs): pass
    def on_error(self, run_id, error): pass
    def on_tool_start(self, tool_name, input_str): pass
    def on_tool_end(self, tool_name, output): pass
    def on_tool_error(self, tool_name, error): pass
    def on_llm_new_token(self, token): pass
    def on_agent_action(self, tool, tool_input): pass


def pct(s, q):
    return s[min(len(s) - 1, int(len(s) * q))]


args = [a for a in sys.argv[1:] if a != "--json"]
n = int(args[0]) if args else 200_000
as_json = "--json" in sys.argv
for k in (0, 1, 3, 8):
    m = TelemetryManager([])
    m.exporters = [Noop() for _ in range(k)]
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        m.dispatch("on_llm_new_token", token="tok")
        samples.append(time.perf_counter_ns() - t0)
    # The mean again with one clock read around the whole loop, as the Swift side does.
    t0 = time.perf_counter_ns()
    for _ in range(n):
        m.dispatch("on_llm_new_token", token="tok")
    loop_mean = (time.perf_counter_ns() - t0) / n
    samples.sort()
    label = f"charmos, {k} no-op exporter{'s' if k != 1 else ''}"
    mean = sum(samples) / len(samples)
    if as_json:
        print(json.dumps({"scenario": label, "exporters": k, "p50_ns": pct(samples, .5), "p99_ns": pct(samples, .99),
                          "p999_ns": pct(samples, .999), "mean_ns": mean, "loop_mean_ns": loop_mean}))
    else:
        print(f"{label:<28}{pct(samples, .5):>9}{pct(samples, .99):>9}{pct(samples, .999):>9}{int(mean):>9}{int(loop_mean):>10}")
if not as_json:
    print("charmos, 1 no-op + 1 hung       (dispatch never returns: exporters run inline)")
