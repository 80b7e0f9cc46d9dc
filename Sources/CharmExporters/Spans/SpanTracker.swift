import CharmTelemetry

/// Rebuilds spans from the eight hooks: keeps what is open, keyed by run id and tool call
/// id, and reports each span when it starts and when it ends.
///
/// Owned by one exporter and used only from its hooks (one thread, in order), so it is a
/// plain value without locks. Events whose start was never seen still produce a span
/// (started at the event), so an exporter enabled mid-run loses no end.
package struct SpanTracker: Sendable {
    /// The agent's name, used for run spans.
    package var agentName: String
    private var open: [String: SpanRecord] = [:]
    /// Open tool calls per run without call ids (legacy producers), oldest first.
    private var anonymousTools: [String: [String]] = [:]
    /// The open llm span of each run.
    private var llmOf: [String: String] = [:]
    /// The text streamed so far per open llm span (set on the span when it ends).
    private var llmText: [String: String] = [:]
    /// Root run of each run seen: kept after a run ends so late children find their trace.
    private var traceOf: [String: String] = [:]
    private var anonymousCounter = 0

    /// A tracker naming runs after `agentName`.
    package init(agentName: String) { self.agentName = agentName }

    /// Spans still open.
    package var openSpans: [SpanRecord] { open.values.sorted { $0.start < $1.start } }

    /// Updates the open spans for one event and returns what started and ended.
    package mutating func handle(_ event: TelemetryEvent) -> [SpanChange] {
        var changes: [SpanChange] = []
        let ts = event.timestamp
        let runID = event.runID
        switch event.payload {
        case .runStart(let inputs):
            let trace = event.parentRunID.map { traceOf[$0] ?? $0 } ?? runID
            remember(runID, trace: trace)
            var span = SpanRecord(
                kind: .run, key: runID, runID: runID, parentKey: event.parentRunID, traceKey: trace,
                name: event.runName ?? runName(runID, parent: event.parentRunID), start: ts, input: .object(inputs))
            span.agentName = event.runName
            open[runID] = span
            changes.append(.started(span))
        case .runEnd(let outputs, let status):
            closeLLM(of: runID, at: ts, into: &changes)
            var span = ensureRun(runID, event: event, into: &changes)
            span.output = .object(outputs)
            if status == .error && span.error == nil {
                span.error = TelemetryError(type: "Error", message: "run ended with status error")
            }
            if status == .unfinished {
                // Not ok: every vendor shows it failed, with why; an error it had stays.
                span.unfinished = true
                if span.error == nil { span.error = SpanRecord.unfinishedError }
            }
            span.end = ts
            open[runID] = nil
            changes.append(.finished(span))
        case .error(let e):
            closeLLM(of: runID, at: ts, into: &changes)
            var span = ensureRun(runID, event: event, into: &changes)
            span.error = e
            open[runID] = span
        case .toolStart(let name, let input):
            closeLLM(of: runID, at: ts, into: &changes)
            _ = ensureRun(runID, event: event, into: &changes)
            let key = event.callID ?? anonymousKey(run: runID)
            let span = SpanRecord(
                kind: .tool, key: key, runID: runID, parentKey: runID, traceKey: trace(of: runID), name: name,
                callID: event.callID, start: ts, input: .string(input))
            open[key] = span
            changes.append(.started(span))
        case .toolEnd(let name, let output):
            finishTool(event, name: name, output: output, error: nil, into: &changes)
        case .toolError(let name, let e):
            finishTool(event, name: name, output: nil, error: e, into: &changes)
        case .llmNewToken(let token):
            _ = ensureRun(runID, event: event, into: &changes)
            let key: String
            if let k = llmOf[runID] {
                key = k
            } else {
                key = "\(runID)#llm\(event.seq)"
                llmOf[runID] = key
                let span = SpanRecord(
                    kind: .llm, key: key, runID: runID, parentKey: runID, traceKey: trace(of: runID), name: "llm",
                    start: ts)
                open[key] = span
                changes.append(.started(span))
            }
            // In place: a long stream must not copy its text per token.
            llmText[key, default: ""] += token
            if let i = open.index(forKey: key) {
                open.values[i].tokenCount += 1
                open.values[i].end = ts
            }
        case .agentAction(let tool, let input):
            if let k = llmOf[runID] { open[k]?.action = (tool, input) }
            closeLLM(of: runID, at: ts, into: &changes)
        case .llmCall(let call):
            // Reported whole when it ended: one span that starts and ends at once.
            closeLLM(of: runID, at: ts, into: &changes)
            _ = ensureRun(runID, event: event, into: &changes)
            var span = SpanRecord(
                kind: .llm, key: event.callID ?? "\(runID)#llm\(event.seq)", runID: runID, parentKey: runID,
                traceKey: trace(of: runID), name: call.model ?? "llm", start: min(call.start, ts))
            span.end = ts
            span.input = call.inputMessages.map(JSONValue.string)
            span.output = call.outputMessages.map(JSONValue.string)
            span.error = call.error
            span.llmCall = call
            changes.append(.started(span))
            changes.append(.finished(span))
        }
        return changes
    }

    /// Ends every open span at `time` (shutdown: nothing more will come), children first;
    /// runs and tool calls ended this way are marked unfinished (`SpanRecord.unfinished`).
    package mutating func closeAll(at time: Timestamp) -> [SpanChange] {
        let spans = open.values.sorted { ($0.kind == .run ? 1 : 0, $0.start) < ($1.kind == .run ? 1 : 0, $1.start) }
        open.removeAll()
        llmOf.removeAll()
        anonymousTools.removeAll()
        let texts = llmText
        llmText.removeAll()
        return spans.map { s in
            var s = s
            if s.kind == .llm { s.output = .string(texts[s.key] ?? "") }
            if s.kind != .llm || s.end == nil { s.end = max(time, s.start) }
            // A run or tool call nobody ended did not succeed: say so rather than send it ok.
            if s.kind != .llm {
                s.unfinished = true
                if s.error == nil { s.error = SpanRecord.unfinishedError }
            }
            return .finished(s)
        }
    }

    private mutating func remember(_ runID: String, trace: String) {
        // Bounded so a long-lived monitor does not grow without end; losing an old entry
        // only makes a very late child start its own trace.
        if traceOf.count > 50_000 { traceOf.removeAll(keepingCapacity: true) }
        traceOf[runID] = trace
    }

    private func trace(of runID: String) -> String { traceOf[runID] ?? runID }

    /// The name of a run's span: the agent's name for a top-level run, and for a nested run
    /// its own id relative to its parent ("planner" for `session-1.planner` under `session-1`),
    /// else its whole id. Naming every run after the agent made a planner sub-run look like
    /// its session in every vendor's UI; a sub-run has no agent name of its own on the wire.
    package func runName(_ runID: String, parent: String?) -> String {
        Self.runName(runID, parent: parent, agentName: agentName)
    }

    /// `runName(_:parent:)` for an agent named `agentName`, for exporters that name runs
    /// outside a tracker (Sentry's error events name the run's transaction).
    package static func runName(_ runID: String, parent: String?, agentName: String) -> String {
        guard let parent else { return agentName }
        let prefix = parent + "."
        if runID.hasPrefix(prefix), runID.count > prefix.count { return String(runID.dropFirst(prefix.count)) }
        return runID.isEmpty ? agentName : runID
    }

    private mutating func ensureRun(_ runID: String, event: TelemetryEvent, into changes: inout [SpanChange]) -> SpanRecord {
        if let s = open[runID] { return s }
        let trace = traceOf[runID] ?? event.parentRunID.map { traceOf[$0] ?? $0 } ?? runID
        remember(runID, trace: trace)
        let span = SpanRecord(
            kind: .run, key: runID, runID: runID, parentKey: event.parentRunID, traceKey: trace,
            name: runName(runID, parent: event.parentRunID), start: event.timestamp, input: .object([:]))
        open[runID] = span
        changes.append(.started(span))
        return span
    }

    private mutating func anonymousKey(run: String) -> String {
        anonymousCounter += 1
        let key = "\(run)#tool\(anonymousCounter)"
        anonymousTools[run, default: []].append(key)
        return key
    }

    private mutating func closeLLM(of runID: String, at ts: Timestamp, into changes: inout [SpanChange]) {
        guard let key = llmOf.removeValue(forKey: runID), var span = open.removeValue(forKey: key) else { return }
        span.end = max(span.end ?? ts, span.start)
        span.output = .string(llmText.removeValue(forKey: key) ?? "")
        changes.append(.finished(span))
    }

    private mutating func finishTool(
        _ event: TelemetryEvent, name: String, output: String?, error: TelemetryError?, into changes: inout [SpanChange]
    ) {
        let runID = event.runID
        var key = event.callID
        if key == nil || open[key!] == nil, var queue = anonymousTools[runID], !queue.isEmpty {
            // Legacy events: the oldest open call of that tool in that run.
            let i = queue.firstIndex { open[$0]?.name == name } ?? 0
            key = queue.remove(at: i)
            anonymousTools[runID] = queue
        }
        var span: SpanRecord
        if let k = key, let s = open.removeValue(forKey: k) {
            span = s
        } else {
            closeLLM(of: runID, at: event.timestamp, into: &changes)
            _ = ensureRun(runID, event: event, into: &changes)
            span = SpanRecord(
                kind: .tool, key: key ?? anonymousKey(run: runID), runID: runID, parentKey: runID,
                traceKey: trace(of: runID), name: name, callID: event.callID, start: event.timestamp)
            changes.append(.started(span))
        }
        span.end = event.timestamp
        if let output { span.output = .string(output) }
        span.error = error
        changes.append(.finished(span))
    }
}
