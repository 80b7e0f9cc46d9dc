import Foundation
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// What a full queue drops, and that a shut-down exporter takes nothing more.
@Suite(.blocksThreads) struct ManagerQueueTests {
    func manager() -> TelemetryManager {
        TelemetryManager(context: ExporterContext(environment: [:]), emitter: nil, configuration: .init(queueCapacity: 4))
    }

    /// Blocks in its first hook until released, then records tokens in order.
    final class GatedRecorder: TelemetryHookExporter, @unchecked Sendable {
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var first = true
        private var _tokens: [String] = []
        var tokens: [String] { lock.withLock { _tokens } }

        func onLLMNewToken(token: String) {
            let wait = lock.withLock { () -> Bool in
                defer { first = false }
                return first
            }
            if wait {
                entered.signal()
                gate.wait()
            }
            lock.withLock { _tokens.append(token) }
        }
        func onRunStart(runID: String, inputs: JSONObject) {}
        func onRunEnd(runID: String, outputs: JSONObject) {}
        func onError(runID: String, error: TelemetryError) {}
        func onToolStart(toolName: String, inputStr: String) {}
        func onToolEnd(toolName: String, output: String) {}
        func onToolError(toolName: String, error: TelemetryError) {}
        func onAgentAction(tool: String, toolInput: String) {}
    }

    @Test("an exporter that falls a whole queue behind loses the oldest events: what arrives is in order, then the newest")
    func fallingBehindLosesTheOldest() {
        let m = manager()
        let rec = GatedRecorder()
        m.add(rec, named: "rec")
        m.dispatch(.llmNewToken(token: "1"), runID: "r")
        #expect(rec.entered.wait(timeout: .now() + 30) == .success)
        // The worker holds "1"; of 2…11 only the newest 4 (its capacity) stay within reach:
        // 2…7 are lapped and counted.
        for i in 2...11 { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        #expect(m.statistics().first?.dropped == 6)
        rec.gate.signal()
        #expect(m.flush(timeout: .seconds(30)).complete)
        #expect(rec.tokens == ["1", "8", "9", "10", "11"])
        #expect(m.statistics().first?.dropped == 6)
    }

    @Test("after shutdown an exporter takes no more events, and none wait in its queue")
    func shutDownExporterTakesNothing() {
        let m = manager()
        let rec = GatedRecorder()
        m.add(rec, named: "rec")
        rec.gate.signal()
        m.dispatch(.llmNewToken(token: "before"), runID: "r")
        #expect(m.shutdown(timeout: .seconds(30)).complete)
        for i in 0..<3 { m.dispatch(.llmNewToken(token: "after-\(i)"), runID: "r") }
        let stats = m.statistics().first
        #expect(stats?.queued == 0)
        #expect(stats?.delivered == 1)
        #expect(rec.tokens == ["before"])
    }
}
