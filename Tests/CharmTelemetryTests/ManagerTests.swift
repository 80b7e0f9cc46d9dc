import Foundation
import Synchronization
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// An exporter whose hooks throw.
final class ThrowingExporter: TelemetryHookExporter {
    struct Boom: Error {}
    func onRunStart(runID: String, inputs: JSONObject) throws { throw Boom() }
    func onRunEnd(runID: String, outputs: JSONObject) throws { throw Boom() }
    func onError(runID: String, error: TelemetryError) throws { throw Boom() }
    func onToolStart(toolName: String, inputStr: String) throws { throw Boom() }
    func onToolEnd(toolName: String, output: String) throws { throw Boom() }
    func onToolError(toolName: String, error: TelemetryError) throws { throw Boom() }
    func onLLMNewToken(token: String) throws { throw Boom() }
    func onAgentAction(tool: String, toolInput: String) throws { throw Boom() }
}

/// An exporter that blocks in its first hook until released.
final class HungExporter: TelemetryHookExporter {
    let gate = DispatchSemaphore(value: 0)
    let entered = DispatchSemaphore(value: 0)
    private func hang() {
        entered.signal()
        gate.wait()
    }
    func onRunStart(runID: String, inputs: JSONObject) { hang() }
    func onRunEnd(runID: String, outputs: JSONObject) { hang() }
    func onError(runID: String, error: TelemetryError) { hang() }
    func onToolStart(toolName: String, inputStr: String) { hang() }
    func onToolEnd(toolName: String, output: String) { hang() }
    func onToolError(toolName: String, error: TelemetryError) { hang() }
    func onLLMNewToken(token: String) { hang() }
    func onAgentAction(tool: String, toolInput: String) { hang() }
}

@Suite(.blocksThreads) struct ManagerTests {
    func manager(_ names: [String] = [], registry: ExporterRegistry = ExporterRegistry(), capacity: Int = 16_384) -> TelemetryManager {
        TelemetryManager(
            enabledExporters: names, registry: registry, context: ExporterContext(environment: [:]), emitter: nil,
            configuration: .init(queueCapacity: capacity))
    }

    @Test func llmCallReachesEventExportersOnlyInItsRun() async {
        let m = manager()
        let hooks = RecordingExporter()
        let events = EventLog()
        m.add(hooks, named: "hooks")
        m.add(events, named: "events")
        let call = LLMCall(model: "gpt-4o", inputTokens: 10, outputTokens: 2, start: .now())
        _ = await m.withRun(id: "outer") { _ in
            _ = await m.withRun(id: "inner") { _ in
                m.llmCall(call)
                return [:]
            }
            return [:]
        }
        #expect(m.flush(timeout: .seconds(10)).complete)
        let llm = events.events.filter { if case .llmCall = $0.payload { true } else { false } }
        #expect(llm.count == 1)
        #expect(llm.first?.runID == "inner")
        #expect(llm.first?.parentRunID == "outer")
        #expect(llm.first?.callID?.hasPrefix("llm_") == true)
        if case .llmCall(let got)? = llm.first?.payload { #expect(got == call) }
        // Charm's eight hooks have no place for it: the hook adapter passes over it.
        #expect(hooks.events.count == 4)
    }

    @Test func nestedAndConcurrentRunsAreAttributed() async {
        let m = manager()
        let rec = RecordingExporter()
        m.add(rec, named: "rec")
        _ = await m.withRun(id: "root") { _ in
            await withTaskGroup(of: Void.self) { g in
                for i in 0..<8 {
                    g.addTask {
                        _ = await m.withRun(id: "child-\(i)") { _ in
                            for k in 0..<20 {
                                m.llmNewToken("t\(i)-\(k)")
                                await Task.yield()
                            }
                            _ = await m.withTool("tool-\(i)", input: "in") { "out-\(i)" }
                            return [:]
                        }
                    }
                }
            }
            m.llmNewToken("root-token")
            return ["done": true]
        }
        #expect(m.flush(timeout: .seconds(10)).complete)
        let events = rec.events
        let expected = 2 + 8 * (2 + 20 + 2) + 1
        #expect(events.count == expected)
        for e in events {
            switch e.payload {
            case .llmNewToken(let t) where t != "root-token":
                let i = t.dropFirst().split(separator: "-")[0]
                #expect(e.runID == "child-\(i)")
            case .llmNewToken: #expect(e.runID == "root")
            case .toolStart(let name, _), .toolEnd(let name, _):
                #expect(e.runID == "child-\(name.split(separator: "-")[1])")
                #expect(e.callID != nil)
            case .runStart where e.runID != "root": #expect(e.parentRunID == "root")
            default: break
            }
        }
        let calls = Dictionary(grouping: events.filter { $0.callID != nil }, by: { $0.callID! })
        #expect(calls.count == 8)
        #expect(calls.values.allSatisfy { $0.map(\.hook) == [.toolStart, .toolEnd] })
        // Sequence numbers are unique and increasing in each exporter's order.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.seq < $1.seq })
    }

    @Test func failingRunReportsErrorThenEndWithStatus() async {
        let m = manager()
        let rec = RecordingExporter()
        m.add(rec, named: "rec")
        struct Oops: Error {}
        _ = try? await m.withRun(id: "r") { _ in throw TelemetryError(type: "ValueError", message: "bad") }
        m.flush(timeout: .seconds(5))
        let hooks: [TelemetryHook] = rec.events.map(\.hook)
        #expect(hooks == [.runStart, .error, .runEnd])
        #expect(rec.events[1].payload == .error(TelemetryError(type: "ValueError", message: "bad")))
        #expect(rec.events[2].payload == .runEnd(outputs: [:], status: .error))
    }

    @Test func throwingSlowAndHungExportersHarmNoOne() async {
        let m = manager(capacity: 100)
        let rec = RecordingExporter()
        let hung = HungExporter()
        m.add(ThrowingExporter(), named: "throws", queueCapacity: 10_000)
        m.add(hung, named: "hung")
        m.add(rec, named: "rec", queueCapacity: 10_000)
        m.dispatch(.llmNewToken(token: "first"), runID: "r")
        hung.entered.wait()  // the hung exporter is now stuck inside a hook
        let n = 5_000
        for i in 0..<n { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        let report = m.flush(timeout: .milliseconds(500))
        #expect(report.unfinished == ["hung"])
        #expect(rec.events.count == n + 1, "the healthy exporter got every event")
        let stats = Dictionary(uniqueKeysWithValues: m.statistics().map { ($0.name, $0) })
        #expect(stats["throws"]?.failed == UInt64(n + 1))
        #expect(stats["throws"]?.health == .failing)
        #expect(stats["throws"]?.lastError?.contains("on_llm_new_token") == true)
        #expect(stats["hung"]?.dropped == UInt64(n - 100), "the full queue dropped the newest and counted them")
        #expect(stats["hung"]?.queued == 101, "100 waiting and the one stuck in its hook")
        #expect(stats["rec"]?.delivered == UInt64(n + 1))
        hung.gate.signal()
        for _ in 0..<200 { hung.gate.signal() }
    }

    @Test func unknownNameWarnsWithKnownNamesAndNeverCrashes() {
        let registry = ExporterRegistry()
        registry.register(ExporterDescriptor(name: "rec", summary: "records") { _ in RecordingExporter() })
        registry.register(
            ExporterDescriptor(name: "datadog", summary: "dd", requiredEnvironment: [["DATADOG_API_KEY", "DD_API_KEY"]]) { _ in
                RecordingExporter()
            })
        let m = manager(["nope", "rec", "datadog"], registry: registry)
        #expect(m.warnings.count == 2)
        #expect(m.warnings[0].contains("unknown telemetry exporter 'nope'"))
        #expect(m.warnings[0].contains("charm-emitter, datadog, rec"))
        #expect(m.warnings[1] == "exporter 'datadog' needs DATADOG_API_KEY in the environment")
        let stats = m.statistics()
        #expect(stats.map(\.name) == ["rec", "datadog", "nope"])
        #expect(stats[1].unavailableReason?.contains("DATADOG_API_KEY") == true)
    }

    @Test func enableAndDisableAtRunTime() throws {
        let registry = ExporterRegistry()
        let rec = RecordingExporter()
        registry.register(ExporterDescriptor(name: "rec", summary: "records") { _ in rec })
        let m = manager([], registry: registry)
        m.dispatch(.llmNewToken(token: "before"), runID: "r")
        try m.enable("rec")
        m.dispatch(.llmNewToken(token: "on"), runID: "r")
        m.disable("rec")
        #expect(!m.isEnabled("rec"))
        m.dispatch(.llmNewToken(token: "off"), runID: "r")
        try m.setEnabled("rec", true)
        m.dispatch(.llmNewToken(token: "again"), runID: "r")
        m.flush(timeout: .seconds(5))
        #expect(rec.events.map(\.payload) == [.llmNewToken(token: "on"), .llmNewToken(token: "again")])
    }

    @Test func shutdownDeliversWhatIsQueuedThenIgnoresNewEvents() {
        let m = manager()
        let rec = RecordingExporter()
        m.add(rec, named: "rec")
        for i in 0..<1000 { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        #expect(m.shutdown(timeout: .seconds(10)).complete)
        m.dispatch(.llmNewToken(token: "late"), runID: "r")
        #expect(rec.events.count == 1000)
    }
}
