import Foundation
import Synchronization
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// Counts what reaches it and how often it was shut down, across many instances.
final class CountingExporter: TelemetryHookExporter {
    static let delivered = Atomic<Int>(0)
    static let shutdowns = Atomic<Int>(0)
    private func count() { Self.delivered.add(1, ordering: .relaxed) }
    func onRunStart(runID: String, inputs: JSONObject) { count() }
    func onRunEnd(runID: String, outputs: JSONObject) { count() }
    func onError(runID: String, error: TelemetryError) { count() }
    func onToolStart(toolName: String, inputStr: String) { count() }
    func onToolEnd(toolName: String, output: String) { count() }
    func onToolError(toolName: String, error: TelemetryError) { count() }
    func onLLMNewToken(token: String) { count() }
    func onAgentAction(tool: String, toolInput: String) { count() }
    func shutdown() { Self.shutdowns.add(1, ordering: .relaxed) }
}

/// Managers end their worker threads: on `shutdown()`, and when dropped without it.
/// Serialized because both tests read the process-wide counters above.
@Suite(.serialized, .blocksThreads) struct ManagerLifetimeTests {
    /// Threads of this process. Other suites run alongside and start threads of their own,
    /// so bounds leave room for them; a leak here is a thousand threads, not a few.
    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    static func eventually(_ seconds: Double = 60, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    func makeManager() -> TelemetryManager {
        let m = TelemetryManager(
            context: ExporterContext(environment: [:]), emitter: nil, configuration: .init(queueCapacity: 64))
        m.add(CountingExporter(), named: "a")
        m.add(CountingExporter(), named: "b")
        m.dispatch(.llmNewToken(token: "t"), runID: "r")
        return m
    }

    @Test("a thousand managers dropped without shutdown leave no thread behind, after delivering")
    func droppedManagersEndTheirWorkers() {
        let before = Self.threadCount()
        #expect(before > 0)
        let deliveredBefore = CountingExporter.delivered.load(ordering: .relaxed)
        let shutdownsBefore = CountingExporter.shutdowns.load(ordering: .relaxed)
        for _ in 0..<1_000 { _ = makeManager() }
        // Each dropped manager's two exporters got its event and were shut down.
        #expect(Self.eventually { CountingExporter.shutdowns.load(ordering: .relaxed) - shutdownsBefore == 2_000 })
        #expect(CountingExporter.delivered.load(ordering: .relaxed) - deliveredBefore == 2_000)
        #expect(Self.eventually { Self.threadCount() <= before + 50 }, "threads: \(before) before, \(Self.threadCount()) after")
    }

    @Test("shutdown() ends the workers of managers that are still referenced")
    func shutdownEndsWorkers() {
        let before = Self.threadCount()
        let managers = (0..<300).map { _ in makeManager() }
        #expect(Self.threadCount() >= before + 500, "each manager should have started two workers")
        for m in managers { #expect(m.shutdown(timeout: .seconds(10)).complete) }
        #expect(Self.eventually { Self.threadCount() <= before + 50 }, "threads: \(before) before, \(Self.threadCount()) after")
        withExtendedLifetime(managers) {}
    }
}
