import CharmTelemetry

/// A run and its sub-runs, taken out of the model to be written as the events that made
/// them (`x`): the lines `charm-monitor --file` reads back into the same runs.
///
/// The model keeps no raw events, so they are rebuilt from what it holds, each at the time
/// it happened: `run_start` (name, parent, inputs), every kept tool call as `tool_start` and
/// `tool_end` or `tool_error`, model calls as `llm_call`, agent actions, the streamed text
/// as tokens, error hooks, `run_end` (outputs, status); a runner's artifacts and exit code
/// as the runner's own lines. Sub-runs are included because their work is the run's work
/// (the timeline shows it under the run); the run keeps its `parent_run_id`, so a replay
/// shows where it hung, as a root when the parent is not in the file.
///
/// What the model no longer holds cannot come back: calls evicted beyond
/// `--max-tool-calls`, text dropped beyond `--max-text-bytes`, inputs and outputs already
/// cut. Tokens are rebuilt as the kept text split into as many pieces as there were tokens
/// (the token boundaries are not kept) at times spread from the first token to the last;
/// the replay's token count and text match when every token had text. An error hook keeps
/// only the run's last error, so each one is written with it, at the run's last activity.
package struct RunExport: Hashable, Sendable {
    /// The run exported and its descendants, parents before children.
    package var runs: [MonitorRun]

    /// The run `runID` of `model` and its descendants (`MonitorModel.subtree`), or nil when
    /// it is not kept.
    package init?(model: MonitorModel, runID: String) {
        let runs = model.subtree(of: runID)
        guard !runs.isEmpty else { return nil }
        self.runs = runs
    }

    /// The run exported.
    package var root: MonitorRun { runs[0] }

    /// Tool and model calls that were evicted from the runs exported, and so are missing.
    package var evictedCalls: Int { runs.reduce(0) { $0 + $1.evictedToolCalls + $1.evictedLLMCalls } }

    /// One line of the export: a hook event, or a line of Charm's runner.
    package enum Line: Hashable, Sendable {
        /// A hook event, written with its `telemetry` object.
        case event(TelemetryEvent)
        /// A runner line (`artifact`, `internal_run_finished`): its type and content.
        case runner(type: String, content: JSONObject, at: Timestamp)

        /// When it happened.
        package var timestamp: Timestamp {
            switch self {
            case .event(let e): e.timestamp
            case .runner(_, _, let at): at
            }
        }
    }

    /// The lines in the order they happened (a run's start first and its end last among
    /// equal times), events numbered from 0 in that order.
    package func lines() -> [Line] {
        var keyed: [(at: Timestamp, phase: Int, run: Int, index: Int, line: Line)] = []
        for (runIndex, run) in runs.enumerated() {
            for (phase, line) in RunExport.lines(of: run) {
                keyed.append((line.timestamp, phase, runIndex, keyed.count, line))
            }
        }
        keyed.sort { a, b in
            if a.at != b.at { return a.at < b.at }
            if a.phase != b.phase { return a.phase < b.phase }
            return a.index < b.index
        }
        var seq: UInt64 = 0
        return keyed.map { item in
            guard case .event(var e) = item.line else { return item.line }
            e.seq = seq
            seq += 1
            return .event(e)
        }
    }

    /// The hook events alone, in order.
    package func events() -> [TelemetryEvent] {
        lines().compactMap { if case .event(let e) = $0 { e } else { nil } }
    }

    /// The export as NDJSON: one JSON object a line, each the emitter's line without its
    /// `__CHARM_EVENT__` prefix (the decoder reads bare JSON lines as events).
    package func ndjson() -> [UInt8] {
        var out: [UInt8] = []
        let prefix = CharmProtocol.eventPrefix.utf8.count
        for line in lines() {
            switch line {
            case .event(let e):
                guard let bytes = CharmEmitter.line(for: e) else { continue }
                out += bytes[prefix...]
            case .runner(let type, let content, _):
                out += CharmEmitter.line(type: type, payload: ["content": .object(content)])[prefix...]
            }
        }
        return out
    }

    /// One run's lines with their phase: 0 its start, 1 what it did, 2 its errors, 3 its end.
    private static func lines(of r: MonitorRun) -> [(Int, Line)] {
        var out: [(Int, Line)] = []
        func event(_ phase: Int, _ at: Timestamp, callID: String? = nil, _ payload: TelemetryEvent.Payload) {
            let e = TelemetryEvent(
                seq: 0, timestamp: at, runID: r.id, parentRunID: phase == 0 ? r.parentID : nil, callID: callID,
                runName: phase == 0 ? r.name : nil, payload: payload)
            out.append((phase, .event(e)))
        }
        event(0, r.start, .runStart(inputs: r.inputs))
        for c in r.toolCalls {
            event(1, c.start, callID: c.callID, .toolStart(toolName: c.toolName, input: c.input))
            guard let end = c.end else { continue }
            if let error = c.error {
                event(1, end, callID: c.callID, .toolError(toolName: c.toolName, error: error))
            } else {
                event(1, end, callID: c.callID, .toolEnd(toolName: c.toolName, output: c.output ?? ""))
            }
        }
        for c in r.llmCalls { event(1, c.end, callID: c.callID, .llmCall(c.call)) }
        for a in r.actions { event(1, a.at, .agentAction(tool: a.tool, toolInput: a.toolInput)) }
        for (at, token) in tokens(of: r) { event(1, at, .llmNewToken(token: token)) }
        if let error = r.lastError, r.errorCount > 0 {
            for _ in 0..<r.errorCount { event(2, r.lastActivity, .error(error)) }
        }
        for a in r.artifacts {
            var content: JSONObject = ["name": .string(a.name), "url": .string(a.location)]
            if let mime = a.mime { content["mime"] = .string(mime) }
            content["run_id"] = .string(r.id)
            out.append((1, .runner(type: "artifact", content: content, at: a.at)))
        }
        if let end = r.end { event(3, end, .runEnd(outputs: r.outputs ?? [:], status: r.endStatus)) }
        if let code = r.exitCode, r.parentID == nil {
            // The runner reports the container's exit after everything else of the run.
            out.append((4, .runner(type: "internal_run_finished", content: ["exit_code": .int(Int64(code))], at: r.end ?? r.lastActivity)))
        }
        return out
    }

    /// The kept text cut into `tokenCount` pieces of about equal length (whole characters),
    /// at times spread evenly from the first token to the last.
    static func tokens(of r: MonitorRun) -> [(Timestamp, String)] {
        guard r.tokenCount > 0, let first = r.firstTokenAt, !r.text.isEmpty else { return [] }
        let last = r.lastTokenAt ?? first
        let characters = Array(r.text)
        let pieces = min(r.tokenCount, characters.count)
        var out: [(Timestamp, String)] = []
        out.reserveCapacity(pieces)
        let span = last.microseconds - first.microseconds
        for k in 0..<pieces {
            let from = characters.count * k / pieces
            let to = characters.count * (k + 1) / pieces
            let at = pieces == 1 ? first.microseconds : first.microseconds + span * Int64(k) / Int64(pieces - 1)
            out.append((Timestamp(microseconds: at), String(characters[from..<to])))
        }
        return out
    }
}
