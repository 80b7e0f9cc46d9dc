import CharmExporters
import CharmTelemetry
import CharmTestSupport
import Testing

@Suite("span tracker", .blocksThreads)
struct SpanTrackerTests {
    static func finished(_ changes: [SpanChange]) -> [SpanRecord] {
        changes.compactMap { if case .finished(let s) = $0 { s } else { nil } }
    }

    @Test("legacy tool events without call ids pair up by tool name, oldest first")
    func legacyTools() {
        var t = SpanTracker(agentName: "a")
        var out: [SpanChange] = []
        out += t.handle(Scenario.event(1, .toolStart(toolName: "search", input: "a"), run: "r"))
        out += t.handle(Scenario.event(2, .toolStart(toolName: "fetch", input: "b"), run: "r"))
        out += t.handle(Scenario.event(3, .toolEnd(toolName: "fetch", output: "B"), run: "r"))
        out += t.handle(Scenario.event(4, .toolEnd(toolName: "search", output: "A"), run: "r"))
        let done = Self.finished(out)
        #expect(done.map(\.name) == ["fetch", "search"])
        #expect(done.map { $0.input?.stringValue } == ["b", "a"])
        // The run was never started explicitly: it is opened implicitly, and still open.
        #expect(t.openSpans.map(\.key) == ["r"])
    }

    @Test("a run with an error but no run_end is closed, failed, at shutdown; children first")
    func closeAll() {
        var t = SpanTracker(agentName: "a")
        _ = t.handle(Scenario.event(1, .runStart(inputs: [:]), run: "r"))
        _ = t.handle(Scenario.event(2, .llmNewToken(token: "x"), run: "r"))
        _ = t.handle(Scenario.event(3, .error(TelemetryError(type: "E", message: "m")), run: "r"))
        _ = t.handle(Scenario.event(4, .toolStart(toolName: "t", input: ""), run: "r", call: "c"))
        let done = Self.finished(t.closeAll(at: Timestamp(microseconds: Scenario.t0 + 10_000_000)))
        #expect(done.map(\.kind) == [.tool, .run])
        #expect(done.last?.error?.message == "m")
        #expect(done.last?.end == Timestamp(microseconds: Scenario.t0 + 10_000_000))
    }

    @Test("an exporter's 400 shows in the manager's statistics, without the secret")
    func statusInManager() async throws {
        let server = try await TestHTTPServer.start()
        server.script([], then: .status(400, body: "rejected token hook-secret-123"))
        let manager = TelemetryManager(registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil)
        manager.add(
            WebhookExporter(url: server.baseURL, secret: "hook-secret-123", policy: Scenario.fastPolicy()), named: "webhook")
        for e in Scenario.events { manager.dispatch(e) }
        #expect(manager.flush(timeout: .seconds(5)).complete)
        let stats = try #require(manager.statistics().first { $0.name == "webhook" })
        #expect(stats.health == .failing)
        #expect(stats.dropped == UInt64(Scenario.events.count))
        #expect(stats.lastError?.contains("HTTP 400") == true)
        #expect(stats.lastError?.contains("hook-secret-123") == false)
        manager.shutdown(timeout: .seconds(1))
        await server.stop()
    }
}
