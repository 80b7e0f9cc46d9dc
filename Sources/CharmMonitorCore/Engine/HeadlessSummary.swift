import CharmTelemetry

extension MonitorModel {
    /// The one JSON object `charm-monitor --headless` prints (see docs/headless.md):
    /// `{"events", "malformed", "raw_lines", "runs": [{"run_id", "parent_run_id", "status",
    /// "name", "source", "tokens", "text", "errors", "input_tokens", "output_tokens", "tool_calls":
    /// [{"call_id", "tool_name", "status", "duration_ms"}], "llm_calls": [{"model",
    /// "input_tokens", "output_tokens", "status", "duration_ms"}]}], "findings": [{"rule",
    /// "run_id", "detail"}]}`, runs in order of first appearance, tool and LLM calls in start
    /// order, findings in the order they fired.
    package func headlessSummary() -> JSONValue {
        var runsJSON: [JSONValue] = []
        runsJSON.reserveCapacity(runs.count)
        for r in orderedRuns {
            var calls: [JSONValue] = []
            calls.reserveCapacity(r.toolCalls.count)
            for c in r.toolCalls {
                calls.append(
                    .object([
                        "call_id": .string(c.callID),
                        "tool_name": .string(c.toolName),
                        "status": .string(c.status.rawValue),
                        "duration_ms": c.duration.map { .double(($0 * 1_000_000).rounded() / 1_000) } ?? .null,
                    ]))
            }
            func ms(_ seconds: Double) -> JSONValue { .double((seconds * 1_000_000).rounded() / 1_000) }
            func count(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
            let llm: [JSONValue] = r.llmCalls.map { c in
                .object([
                    "model": c.call.model.map(JSONValue.string) ?? .null,
                    "input_tokens": count(c.call.inputTokens),
                    "output_tokens": count(c.call.outputTokens),
                    "status": .string(c.status.rawValue),
                    "duration_ms": ms(c.duration),
                ])
            }
            var run: JSONObject = [
                "run_id": .string(r.id),
                "parent_run_id": r.parentID.map(JSONValue.string) ?? .null,
                "name": r.name.map(JSONValue.string) ?? .null,
                // Where the run came from: `otlp:<service.name>` for OTLP runs.
                "source": .string(r.source.name),
                // A run the monitor ended at exit is "unfinished", unless it already failed.
                "status": .string(r.isUnfinished && r.status != .error ? "unfinished" : r.status.rawValue),
                "tokens": .int(Int64(r.tokenCount)),
                "text": .string(r.text),
                "errors": .int(Int64(r.errorCount)),
                // Tokens of the run's own LLM calls; 0 when it made none, null only when its
                // calls never said.
                "input_tokens": r.llmCallCount == 0 ? .int(0) : count(r.inputTokens),
                "output_tokens": r.llmCallCount == 0 ? .int(0) : count(r.outputTokens),
                "cost_usd": r.cost.map { .double(($0 * 1e9).rounded() / 1e9) } ?? .null,
                "tool_calls": .array(calls),
                "llm_calls": .array(llm),
            ]
            // Only runs under Charm's runner have these; other summaries stay as they were.
            if let code = r.exitCode { run["exit_code"] = .int(Int64(code)) }
            if !r.artifacts.isEmpty {
                run["artifacts"] = .array(r.artifacts.map { a in
                    .object(["name": .string(a.name), "location": .string(a.location), "mime": a.mime.map(JSONValue.string) ?? .null])
                })
            }
            runsJSON.append(.object(run))
        }
        var summary: JSONObject = [
            "events": .int(Int64(counters.events)),
            "malformed": .int(Int64(counters.malformed)),
            "oversized": .int(Int64(counters.oversized)),
            "raw_lines": .int(Int64(counters.rawLines)),
            "runs": .array(runsJSON),
            "heartbeats": .int(Int64(sources.values.reduce(0) { $0 + $1.heartbeats })),
        ]
        // What the detectors found, oldest first (docs/headless.md "Findings").
        summary["findings"] = .array(findings.map { f in
            .object(["rule": .string(f.rule.rawValue), "run_id": .string(f.runID), "detail": .string(f.detail)])
        })
        // Only when some came, so the summary of a monitor without OTLP logs is unchanged.
        if counters.otlpLogLines > 0 { summary["otlp_log_lines"] = .int(Int64(counters.otlpLogLines)) }
        return .object(summary)
    }
}

extension ExporterStatistics {
    /// The exporter's entry in the headless summary: `{"name", "delivered", "dropped",
    /// "failed", "last_error"}` (see docs/headless.md), `last_error` null when none.
    package var headlessSummary: JSONValue {
        .object([
            "name": .string(name),
            "delivered": .int(Int64(clamping: delivered)),
            "dropped": .int(Int64(clamping: dropped)),
            "failed": .int(Int64(clamping: failed)),
            "last_error": lastError.map(JSONValue.string) ?? .null,
        ])
    }

    /// Whether this exporter lost anything: events dropped, hooks failed, or still held
    /// (queued, buffered) when the monitor stopped waiting for it.
    package var lostSomething: Bool { dropped > 0 || failed > 0 || queued > 0 }
}
