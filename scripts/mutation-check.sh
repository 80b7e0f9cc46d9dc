#!/usr/bin/env bash
# Mutation check: breaks the code on purpose, one mutation at a time, and runs the tests
# that name the broken behaviour. A mutation the tests do not notice "survived": a test
# that cannot fail. Exits 1 if any survived (or a mutation no longer applies).
#
#   scripts/mutation-check.sh            every mutation
#   scripts/mutation-check.sh 3 7        only mutations 3 and 7
#   scripts/mutation-check.sh --list     list them
#
# It works in its own git worktree of HEAD (.build-mutation/tree), never in this checkout,
# so what you are editing is safe; commit first what you want checked. The first run
# builds the package there from scratch (several minutes); later runs are incremental.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tree="$root/.build-mutation/tree"

if [ "${1:-}" != "--list" ]; then
    if [ -d "$tree" ]; then
        git -C "$tree" checkout -q --detach "$(git -C "$root" rev-parse HEAD)"
        git -C "$tree" checkout -q -- .
    else
        mkdir -p "$root/.build-mutation"
        git -C "$root" worktree add -q --detach "$tree" HEAD
    fi
fi

exec python3 - "$root" "$tree" "$@" <<'PY'
import os, subprocess, sys, time

root, tree, args = sys.argv[1], sys.argv[2], sys.argv[3:]

# (what breaks, file, exact text, replacement, tests that must notice)
M = [
    ("UI: the filter highlight draws nothing",
     "Sources/CharmMonitorCore/UI/UIRender.swift",
     "    mutating func highlight(_ shown: String, x: Int, y: Int, width: Int) {\n",
     "    mutating func highlight(_ shown: String, x: Int, y: Int, width: Int) {\n        return;\n",
     "UIRenderTests"),
    ("Library: a full queue drops the oldest event instead of the newest",
     "Sources/CharmTelemetry/Manager/ExporterWorker.swift",
     "                s.dropped &+= 1\n                return false\n",
     "                s.dropped &+= 1\n                s.queue.removeFirst()\n",
     "ManagerQueueTests"),
    ("Library: a shut-down worker still queues events (closed check removed)",
     "Sources/CharmTelemetry/Manager/ExporterWorker.swift",
     "            if s.closed { return false }\n", "",
     "ManagerQueueTests"),
    ("UI: the pause key binding removed",
     "Sources/CharmMonitorCore/UI/UIKeyMap.swift",
     '        KeyMapEntry([UIKeyBinding(.pause, [.char("p")])], "pause / resume the view (ingest goes on)"),\n', "",
     "KeyMapTests"),
    ("Library: a member inserted before telemetry in an emitter line",
     "Sources/CharmTelemetry/Emitter/CharmEmitter.swift",
     '        if let telemetry { o["telemetry"] = .object(telemetry) }',
     '        o["x"] = .int(1)\n        if let telemetry { o["telemetry"] = .object(telemetry) }',
     "EmitterOracleTests"),
    ("Sources: replay at 0.5x the asked speed",
     "Sources/CharmSources/FileSource.swift",
     "        ts.seconds(since: base) / speed\n", "        ts.seconds(since: base) / (speed * 0.5)\n",
     "SourcePacingTests"),
    ("Library: the one Backoff does not grow (exporter retries, SSE reconnects, plugin restarts)",
     "Sources/CharmTelemetry/Support/Backoff.swift",
     "Backoff.seconds(initial) * Double(sign: .plus, exponent: doublings, significand: 1)", "Backoff.seconds(initial)",
     "BackoffTests|DeliveryEngineTests|SourcePacingTests"),
    ("Library: Backoff's jitter may wait less than half the nominal wait",
     "Sources/CharmTelemetry/Support/Backoff.swift",
     "s / 2 + Double.random(in: 0...(s / 2), using: &random)", "Double.random(in: 0...s, using: &random)",
     "BackoffTests|DeliveryEngineTests"),
    ("Library: SIGPIPE no longer blocked around the emitter's write",
     "Sources/CharmTelemetry/Emitter/CharmOutput.swift",
     "        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)\n",
     "        pthread_sigmask(SIG_BLOCK, nil, &previous)\n",
     "CLITests"),
    ("Sources: copytruncate detected by size only (no fingerprint)",
     "Sources/CharmSources/FileSource.swift",
     "Int64(st.st_size) < offset || !head.matches(fd)", "Int64(st.st_size) < offset",
     "SourceFileTests"),
    ("Library: a dropped manager leaves its workers running",
     "Sources/CharmTelemetry/Manager/TelemetryManager.swift",
     "        for w in workers { _ = w.enqueueControl(.shutdown(ExporterWorker.FlushTicket(deadline: deadline))) }\n",
     "        _ = (workers, deadline)\n",
     "ManagerLifetimeTests"),
    ("Library: *_token keys in charm.yaml no longer count as secrets",
     "Sources/CharmTelemetry/Config/CharmConfigLoader.swift",
     '        "token", "secret", "password",', '        "secret", "password",',
     "ConfigTests"),
    ("Exporters: registry members the schema does not name are dropped",
     "Sources/CharmExporters/Plugins/PluginRegistry.swift",
     "        for (k, v) in o where !entryKeys.contains(k) { extra[k] = v }\n", "",
     "PluginRegistryTests"),
    ("Library: the runner's error after a run's end opens a new legacy run",
     "Sources/CharmWire/Decoder/LegacyInterpreter.swift",
     "if openRun == nil, let last = lastRun, RunnerMessages.isRunnerError(text) {",
     "if openRun == nil, let last = lastRun, RunnerMessages.isRunnerError(text) && text.isEmpty {",
     "RunnerEventsTests|RunnerStreamTests"),
    ("Engine: the runner's heartbeat is logged as thinking",
     "Sources/CharmMonitorCore/Model/MonitorModel.swift",
     'case "thinking" where !MonitorModel.isHeartbeat(e):', 'case "thinking":',
     "RunnerEventsTests"),
    ("Engine: the runner's exit code is not kept",
     "Sources/CharmMonitorCore/Model/MonitorModel+Runner.swift",
     "                updateRun(target) { r in r.exitCode = Int(code) }\n", "                _ = target\n",
     "RunnerEventsTests|RunnerStreamTests"),
    ("UI: [NAME_REDACTED] not marked in the detail view",
     "Sources/CharmMonitorCore/UI/UIRender+Detail.swift",
     "                markRedactions(segment.text, x: start, y: y, width: x - start)\n", "",
     "RunnerEventsTests"),
    ("Library: legacy tool output loses its separator handling",
     "Sources/CharmWire/Decoder/LegacyInterpreter.swift",
     'text.dropPrefix(CharmProtocol.toolOutputPrefix)', 'text.dropPrefix("Tool Output:")',
     "HeadlessTests|DecoderTests|EmitterOracleTests"),
    ("Exporters: LangSmith run ids lose their UUIDv7 version nibble",
     "Sources/CharmExporters/LangSmith/LangSmithRunMapping.swift",
     "        b[6] = (b[6] & 0x0F) | 0x70\n", "        b[6] = (b[6] & 0x0F) | 0x50\n",
     "LangSmith|VendorParity"),
    ("Exporters: Sentry exceptions always say handled",
     "Sources/CharmExporters/Sentry/SentryEventMapping.swift",
     '"handled": .bool(handled)', '"handled": .bool(true)',
     "Sentry|VendorParity"),
    ("UI: a pasted filter is kept whole, however long",
     "Sources/CharmMonitorCore/UI/UIUpdate.swift",
     "if state.filterDraft.utf8.count < UIState.maxFilterBytes { state.filterDraft.append(c) }",
     "state.filterDraft.append(c)",
     "UIUpdateTests"),
    ("Engine: log lines kept whole, however long",
     "Sources/CharmMonitorCore/Model/MonitorModel.swift",
     "text: MonitorModel.cut(text, limits.maxEntryBytes)", "text: text",
     "ModelByteRetentionTests"),
    ("Engine: run ids kept whole, however long",
     "Sources/CharmMonitorCore/Model/MonitorModel+Hooks.swift",
     "let id = MonitorModel.boundedName(event.runID, nameLimit)", "let id = event.runID",
     "ModelByteRetentionTests"),
    ("CLI: --flush-timeout accepts inf",
     "Sources/charm-monitor/MonitorArguments.swift",
     "flushTimeout >= 0 && flushTimeout <= 3_600", "flushTimeout >= 0",
     "CLITests"),
    ("Library: a secret under env: {DATADOG_API_KEY: …} passes (exporter variables not matched)",
     "Sources/CharmTelemetry/Config/CharmConfigLoader.swift",
     "        if secretVariables.contains(upper) { return true }\n", "",
     "ConfigTests"),
    ("Exporters: a plugin is given up on one restart early",
     "Sources/CharmExporters/Plugins/RestartPolicy.swift",
     "if let maxRestarts, exitsInARow > maxRestarts {", "if let maxRestarts, exitsInARow >= maxRestarts {",
     "PluginPartsTests"),
    ("Exporters: plugin restarts no longer wait longer after each exit",
     "Sources/CharmExporters/Plugins/RestartPolicy.swift",
     "return .restart(after: backoff.nominal(attempt: exitsInARow))", "return .restart(after: backoff.nominal(attempt: 1))",
     "PluginPartsTests|PluginExecTests"),
    ("Exporters: the plugin line channel is unbounded",
     "Sources/CharmExporters/Plugins/LineChannel.swift",
     "guard queue.count < capacity && !isAbandoned else {", "guard !isAbandoned else {",
     "PluginPartsTests|PluginExecTests"),
    ("Exporters: plugin lines leave newest first",
     "Sources/CharmExporters/Plugins/LineChannel.swift",
     "let line = queue.popFirst()", "let line = queue.popLast()",
     "PluginPartsTests"),
    ("Exporters: a plugin's stdin is closed under the write using it",
     "Sources/CharmExporters/Plugins/LineChannel.swift",
     "if writingFD == stdinFD { closeAfterWrite = true } else { close(stdinFD) }", "close(stdinFD)",
     "PluginPartsTests"),
    ("Sources: stop() no longer releases waiters of sources still running",
     "Sources/CharmSources/SourceHub.swift",
     "if s.running <= 0 || stopFlag.isSet { return true }", "if s.running <= 0 { return true }",
     "SourceFileTests"),
]

if args and args[0] == "--list":
    for i, m in enumerate(M, 1):
        print(f"{i:2}. {m[0]}  [{m[1]}; tests: {m[4]}]")
    sys.exit(0)
chosen = [int(a) for a in args] if args else list(range(1, len(M) + 1))

def run(cmd, log):
    with open(log, "ab") as f:
        return subprocess.run(cmd, cwd=tree, stdout=f, stderr=subprocess.STDOUT).returncode

log = os.path.join(root, ".build-mutation", "mutation.log")
open(log, "w").close()
print(f"mutation check of {subprocess.check_output(['git', '-C', tree, 'rev-parse', '--short', 'HEAD'], text=True).strip()} in {tree} (log: {log})")
t0 = time.time()
if run(["swift", "build", "--build-tests"], log) != 0:
    print("the unmutated tree does not build; see the log"); sys.exit(2)
# A mutation only counts as killed if its tests pass without it: check them once, unmutated.
for tests in sorted({M[i - 1][4] for i in chosen}):
    with open(log, "a") as f: f.write(f"\n===== baseline: {tests}\n")
    if run(["swift", "test", "--skip-build", "--filter", tests], log) != 0:
        print(f"the unmutated tree fails {tests}; see the log"); sys.exit(2)
results = []
for i in chosen:
    what, path, old, new, tests = M[i - 1]
    full = os.path.join(tree, path)
    original = open(full, encoding="utf-8").read()
    n = original.count(old)
    if n != 1:
        results.append((i, what, "STALE", f"text found {n} times"))
        print(f"{i:2}. STALE     {what} (its text is found {n} times in {path})", flush=True)
        continue
    start = time.time()
    try:
        open(full, "w", encoding="utf-8").write(original.replace(old, new))
        with open(log, "a") as f: f.write(f"\n===== {i}. {what}\n")
        if run(["swift", "build", "--build-tests"], log) != 0:
            outcome = "NOBUILD"
        else:
            rc = run(["swift", "test", "--skip-build", "--filter", tests], log)
            outcome = "killed" if rc != 0 else "SURVIVED"
    finally:
        open(full, "w", encoding="utf-8").write(original)
    results.append((i, what, outcome, tests))
    print(f"{i:2}. {outcome:9} {what}  [{tests}; {time.time() - start:.0f}s]", flush=True)

killed = sum(1 for r in results if r[2] == "killed")
print(f"\nscore: {killed}/{len(results)} mutations killed ({time.time() - t0:.0f}s)")
bad = [r for r in results if r[2] != "killed"]
for r in bad:
    print(f"  not killed: {r[0]}. {r[1]} ({r[2]})")
sys.exit(1 if bad else 0)
PY
