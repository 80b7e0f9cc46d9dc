import CharmTelemetry
import Foundation

/// Rebuilds hook events from a stream of Charm's Python SDK, which carries no `telemetry`:
/// tool calls from the thinking texts of `CharmEmitterExporter`, `delta` as tokens, and
/// `final`, `error` and `internal_run_finished` ending the run. Everything is attributed to
/// one synthesised run per source (a new one if the stream goes on after the run ended).
///
/// Once a source shows one structured line it is ours, and its plain lines (raw prints,
/// `final`) are left as they are instead of being guessed at.
struct LegacyInterpreter {
    let sourceName: String
    private(set) var structured = false
    private var openRun: String?
    /// The run that ended last: the runner's own error after it is about that run.
    private var lastRun: String?
    private var runCount = 0
    private var seq: UInt64 = 0
    /// Open calls in start order; Python's handler tracks one current tool, so ends close the oldest.
    private var openCalls: [(id: String, name: String)] = []
    private var callCount = 0

    init(sourceName: String) { self.sourceName = sourceName }

    mutating func markStructured() { structured = true }

    /// The synthesised run id for the n-th legacy run of this source.
    static func runID(source: String, index: Int) -> String {
        index == 1 ? "legacy:\(source)" : "legacy:\(source)#\(index)"
    }

    private mutating func make(_ payload: TelemetryEvent.Payload, run: String, call: String? = nil) -> TelemetryEvent {
        seq += 1
        return TelemetryEvent(seq: seq, timestamp: .now(), runID: run, callID: call, payload: payload)
    }

    private mutating func ensureRun(_ out: inout [TelemetryEvent]) -> String {
        if let r = openRun { return r }
        runCount += 1
        let id = LegacyInterpreter.runID(source: sourceName, index: runCount)
        openRun = id
        out.append(make(.runStart(inputs: [:]), run: id))
        return id
    }

    private mutating func endRun(_ status: RunStatus, outputs: JSONObject, _ out: inout [TelemetryEvent]) {
        guard let r = openRun else { return }
        out.append(make(.runEnd(outputs: outputs, status: status), run: r))
        lastRun = r
        openRun = nil
        openCalls.removeAll()
    }

    /// The hook events a plain (unstructured) event stands for.
    mutating func interpret(type: String, object: JSONObject) -> [TelemetryEvent] {
        guard !structured else { return [] }
        var out: [TelemetryEvent] = []
        let content = object["content"]
        switch type {
        case "thinking":
            guard let text = content?.stringValue else { return [] }
            if let rest = text.dropPrefix(CharmProtocol.toolStartPrefix) {
                let body = rest.dropSuffix("\n")
                let (name, input) = body.splitOnce(CharmProtocol.toolInputSeparator) ?? (body, "")
                let run = ensureRun(&out)
                callCount += 1
                let id = "legacy-call-\(callCount)"
                openCalls.append((id, name))
                out.append(make(.toolStart(toolName: name, input: input), run: run, call: id))
            } else if let rest = text.dropPrefix(CharmProtocol.toolOutputPrefix) {
                let output = rest.dropSuffix("\n").dropSuffix(CharmProtocol.toolOutputEllipsis)
                let run = ensureRun(&out)
                let call = openCalls.isEmpty ? nil : openCalls.removeFirst()
                out.append(make(.toolEnd(toolName: call?.name ?? "Unknown", output: output), run: run, call: call?.id))
            } else if let rest = text.dropPrefix(CharmProtocol.toolErrorPrefix) {
                let run = ensureRun(&out)
                let call = openCalls.isEmpty ? nil : openCalls.removeFirst()
                let e = TelemetryError(message: rest.dropSuffix("\n"))
                out.append(make(.toolError(toolName: call?.name ?? "Unknown", error: e), run: run, call: call?.id))
            } else if let rest = text.dropPrefix(CharmProtocol.agentActionPrefix) {
                let body = rest.dropSuffix("\n")
                let (tool, input) = body.splitOnce(CharmProtocol.agentActionInputSeparator) ?? (body, "")
                let run = ensureRun(&out)
                out.append(make(.agentAction(tool: tool, toolInput: input), run: run))
            }
        case "delta":
            guard let token = content?.displayText, !token.isEmpty else { return [] }
            let run = ensureRun(&out)
            out.append(make(.llmNewToken(token: token), run: run))
        case "final":
            _ = ensureRun(&out)
            endRun(.ok, outputs: ["output": content ?? .null], &out)
        case "error":
            let text = content?.displayText ?? ""
            // The runner reports the container's failure after the container's own
            // `internal_run_finished` ended the run: it belongs to that run, not a new one.
            if openRun == nil, let last = lastRun, RunnerMessages.isRunnerError(text) {
                out.append(make(.error(TelemetryError(message: text)), run: last))
                return out
            }
            let run = ensureRun(&out)
            out.append(make(.error(TelemetryError(message: content?.displayText ?? "")), run: run))
            endRun(.error, outputs: [:], &out)
        case "internal_run_finished":
            let code = content?["exit_code"]?.intValue ?? 0
            endRun(code == 0 ? .ok : .error, outputs: content?.objectValue ?? [:], &out)
        default:
            break
        }
        return out
    }
}

extension String {
    func dropPrefix(_ p: String) -> String? {
        hasPrefix(p) ? String(dropFirst(p.count)) : nil
    }

    func dropSuffix(_ s: String) -> String {
        hasSuffix(s) ? String(dropLast(s.count)) : self
    }

    func splitOnce(_ sep: String) -> (String, String)? {
        guard let r = range(of: sep) else { return nil }
        return (String(self[..<r.lowerBound]), String(self[r.upperBound...]))
    }
}
