import CharmExporters
import CharmTelemetry

/// A small agent run used by every vendor test: a root run with a tool call that succeeds, a
/// token stream, a tool call that fails, a nested run, and a run that errors.
enum Scenario {
    static let t0: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z in µs

    static func event(_ i: Int, _ payload: TelemetryEvent.Payload, run: String, parent: String? = nil, call: String? = nil)
        -> TelemetryEvent
    {
        TelemetryEvent(
            seq: UInt64(i), timestamp: Timestamp(microseconds: t0 + Int64(i) * 250_000), runID: run, parentRunID: parent,
            callID: call, payload: payload)
    }

    /// The events, in order.
    static var events: [TelemetryEvent] {
        var i = 0
        func e(_ p: TelemetryEvent.Payload, _ run: String, parent: String? = nil, call: String? = nil) -> TelemetryEvent {
            i += 1
            return event(i, p, run: run, parent: parent, call: call)
        }
        return [
            e(.runStart(inputs: ["question": "weather in Paris?"]), "run-root"),
            e(.toolStart(toolName: "search", input: "paris weather"), "run-root", call: "call-1"),
            e(.toolEnd(toolName: "search", output: "sunny, 24C"), "run-root", call: "call-1"),
            e(.llmNewToken(token: "It is "), "run-root"),
            e(.llmNewToken(token: "sunny."), "run-root"),
            e(.agentAction(tool: "calculator", toolInput: "24*9/5+32"), "run-root"),
            e(.toolStart(toolName: "calculator", input: "24*9/5+32"), "run-root", call: "call-2"),
            e(.toolError(toolName: "calculator", error: TelemetryError(type: "ZeroDivisionError", message: "division by zero")), "run-root", call: "call-2"),
            e(.runStart(inputs: ["task": "sub"]), "run-child", parent: "run-root"),
            e(.runEnd(outputs: ["answer": "done"], status: .ok), "run-child"),
            e(.runEnd(outputs: ["answer": "It is sunny."], status: .ok), "run-root"),
            e(.runStart(inputs: [:]), "run-bad"),
            e(.error(TelemetryError(type: "TimeoutError", message: "model timed out")), "run-bad"),
            e(.runEnd(outputs: [:], status: .error), "run-bad"),
        ]
    }

    /// Delivers every event to `exporter` as the manager's worker would.
    static func play(_ exporter: any TelemetryExporter, _ events: [TelemetryEvent] = events) throws {
        for e in events { try exporter.handle(e) }
    }

    /// A policy for tests: small delays and backoffs so faults resolve quickly.
    static func fastPolicy(gzip: Bool = false, maxBatchCount: Int = 512, capacity: Int = 2048, attempts: Int = 30)
        -> DeliveryPolicy
    {
        DeliveryPolicy(
            maxBatchCount: maxBatchCount, maxDelay: .milliseconds(50), capacity: capacity,
            requestTimeout: .milliseconds(800), maxAttempts: attempts, initialBackoff: .milliseconds(20),
            maxBackoff: .milliseconds(300), gzip: gzip)
    }
}
