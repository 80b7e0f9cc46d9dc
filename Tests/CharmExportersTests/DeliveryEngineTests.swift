import CharmExporters
import CharmTelemetry
import CharmWire
import Foundation
import CharmTestSupport
import Testing

/// The delivery engine against a loopback server that fails on purpose.
@Suite("delivery engine", .blocksThreads)
struct DeliveryEngineTests {
    /// An engine posting JSON arrays of integers, so the server can count what arrived.
    static func engine(_ url: String, _ policy: DeliveryPolicy = Scenario.fastPolicy()) -> DeliveryEngine<Int> {
        DeliveryEngine<Int>(endpoint: HTTPEndpoint(url: url, headers: [("Authorization", "Bearer engine-secret")]), policy: policy, name: "test") {
            items in HTTPPayload(body: Array(("[" + items.map(String.init).joined(separator: ",") + "]").utf8), contentType: "application/json")
        }
    }

    static func received(_ requests: [TestHTTPServer.Request]) -> [Int] {
        requests.flatMap { r in ((try? JSONParser.parse(r.content))?.arrayValue ?? []).compactMap { $0.intValue.map(Int.init) } }
    }

    @Test("batches by count and by bytes, in order")
    func batching() async throws {
        let server = try await TestHTTPServer.start()
        var policy = Scenario.fastPolicy(maxBatchCount: 3)
        // Longer than any test run: when the machine is busy this task may not resume for tens
        // of seconds, and the last batch must still be waiting for the flush, not the delay.
        policy.maxDelay = .seconds(3600)
        let e = Self.engine(server.baseURL, policy)
        for i in 0..<7 { e.append(i, bytes: 10) }
        // Two full batches go without waiting for the delay; the last waits for a flush.
        let early = await server.waitFor(2)
        #expect(early.count == 2)
        #expect(e.flush(deadline: .now + .seconds(5)))
        #expect(Self.received(server.requests) == Array(0..<7))
        #expect(server.requests.map { Self.received([$0]).count } == [3, 3, 1])

        var byBytes = Scenario.fastPolicy()
        byBytes.maxBatchBytes = 100
        let b = Self.engine(server.baseURL, byBytes)
        for i in 0..<6 { b.append(i, bytes: 40) }
        #expect(b.flush(deadline: .now + .seconds(5)))
        #expect(server.requests.dropFirst(3).map { Self.received([$0]).count } == [2, 2, 2])
        e.shutdown()
        b.shutdown()
        await server.stop()
    }

    @Test("endpoint down, then up: nothing held is lost")
    func downThenUp() async throws {
        let probe = try await TestHTTPServer.start()
        let port = probe.port
        await probe.stop()
        // Retries without a budget: on a busy machine this task may resume many seconds after
        // the engine started failing, and only the server coming back may end the retries.
        let e = Self.engine("http://127.0.0.1:\(port)/ingest", Scenario.fastPolicy(attempts: 1_000_000))
        for i in 0..<10 { e.append(i, bytes: 8) }
        // Wait for the first failures (polling: the machine may be busy).
        let until = ContinuousClock.now + .seconds(10)
        while e.status.health != .retrying && ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(20)) }
        #expect(e.status.health == .retrying)
        #expect(e.status.buffered == 10)
        #expect(e.status.lastError?.contains("engine-secret") == false)
        let server = try await TestHTTPServer.start(port: port)
        #expect(e.flush(deadline: .now + .seconds(10)))
        #expect(Self.received(server.requests) == Array(0..<10))
        #expect(e.status == ExporterStatus(health: .ok, buffered: 0, dropped: 0, sent: 10, lastError: e.status.lastError))
        e.shutdown()
        await server.stop()
    }

    @Test("5xx are retried with backoff until the server recovers")
    func serverErrors() async throws {
        let server = try await TestHTTPServer.start()
        server.script([.status(500), .status(502), .status(503)])
        let e = Self.engine(server.baseURL)
        for i in 0..<5 { e.append(i, bytes: 8) }
        #expect(e.flush(deadline: .now + .seconds(10)))
        #expect(server.requests.count == 4)
        #expect(Self.received(Array(server.requests.suffix(1))) == Array(0..<5))
        #expect(e.status.sent == 5)
        #expect(e.status.health == .ok)
        e.shutdown()
        await server.stop()
    }

    @Test("429 waits as long as Retry-After says")
    func retryAfter() async throws {
        let server = try await TestHTTPServer.start()
        server.script([.status(429, headers: [("Retry-After", "1")])])
        var policy = Scenario.fastPolicy()
        policy.maxBackoff = .seconds(5)
        let e = Self.engine(server.baseURL, policy)
        e.append(1, bytes: 8)
        #expect(e.flush(deadline: .now + .seconds(10)))
        let r = server.requests
        #expect(r.count == 2)
        if r.count == 2 {
            let gap = r[0].receivedAt.duration(to: r[1].receivedAt)
            #expect(gap >= .milliseconds(950))
        }
        e.shutdown()
        await server.stop()
    }

    @Test("400 is not retried: the batch is dropped, counted, and the error shown")
    func badRequest() async throws {
        let server = try await TestHTTPServer.start()
        server.script([.status(400, body: "{\"error\":\"bad payload\"}")])
        let e = Self.engine(server.baseURL)
        for i in 0..<3 { e.append(i, bytes: 8) }
        #expect(e.flush(deadline: .now + .seconds(5)))
        #expect(server.requests.count == 1)
        let s = e.status
        #expect(s.dropped == 3)
        #expect(s.sent == 0)
        #expect(s.health == .failing)
        #expect(s.lastError?.contains("HTTP 400") == true)
        #expect(s.lastError?.contains("bad payload") == true)
        e.append(9, bytes: 8)
        #expect(e.flush(deadline: .now + .seconds(5)))
        #expect(e.status.health == .ok)
        #expect(e.status.sent == 1)
        e.shutdown()
        await server.stop()
    }

    @Test("a full buffer drops new items and counts them")
    func bounded() async throws {
        let probe = try await TestHTTPServer.start()
        let port = probe.port
        await probe.stop()
        let e = Self.engine("http://127.0.0.1:\(port)", Scenario.fastPolicy(capacity: 5))
        for i in 0..<8 { e.append(i, bytes: 8) }
        #expect(e.status.dropped == 3)
        #expect(e.status.buffered == 5)
        #expect(e.flush(deadline: .now + .milliseconds(200)) == false)
        e.shutdown(grace: .milliseconds(500))
    }

    @Test("gzip bodies decompress to what was encoded")
    func gzip() async throws {
        let server = try await TestHTTPServer.start()
        let e = Self.engine(server.baseURL, Scenario.fastPolicy(gzip: true))
        for i in 0..<100 { e.append(i, bytes: 8) }
        #expect(e.flush(deadline: .now + .seconds(5)))
        #expect(server.requests.first?.header("Content-Encoding") == "gzip")
        #expect(Self.received(server.requests) == Array(0..<100))
        e.shutdown()
        await server.stop()
    }

    @Test("a hanging endpoint slows neither the caller nor the other exporters")
    func hanging() async throws {
        let server = try await TestHTTPServer.start()
        server.script([.hang])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-hang-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("events.jsonl").path
        let manager = TelemetryManager(registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil)
        let webhook = WebhookExporter(url: server.baseURL + "/hook", secret: "hook-secret", policy: Scenario.fastPolicy())
        manager.add(webhook, named: "webhook")
        manager.add(JSONLExporter(path: file), named: "jsonl")

        let clock = ContinuousClock()
        let start = clock.now
        for e in Scenario.events { manager.dispatch(e) }
        // Waiting on the hanging endpoint would take 14 × 800 ms request timeouts or more; the
        // bound tells that apart from "never waited" with room for a loaded CI machine.
        #expect(start.duration(to: clock.now) < .seconds(3))

        let quick = manager.flush(timeout: .milliseconds(300))
        #expect(quick.unfinished == ["webhook"])
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == Scenario.events.count)

        // After the request times out, the retry delivers everything.
        #expect(manager.flush(timeout: .seconds(10)).complete)
        #expect(webhook.status.sent == Scenario.events.count)
        manager.shutdown(timeout: .seconds(2))
        await server.stop()
    }

    @Test("Retry-After accepts delta-seconds and IMF-fixdate")
    func retryAfterParsing() {
        let now = RetryAfter.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") ?? 0
        #expect(now == 784_111_777)
        #expect(RetryAfter.delay("120") == .seconds(120))
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:49:00 GMT", now: now) == .zero)
        #expect(RetryAfter.delay("soon") == nil)
        #expect(RetryAfter.delay(nil) == nil)
    }

    @Test("backoff stays within its caps")
    func backoffCaps() {
        #expect(DeliveryPolicy().backoff(attempt: 1) <= .milliseconds(250))
        #expect(DeliveryPolicy().backoff(attempt: 30) <= .seconds(30))
        // Equal jitter around a doubling nominal delay: between half of it and all of it,
        // whatever the random half, so a delay that stops growing fails here for certain.
        for attempt in 1...12 {
            let nominal = min(0.25 * Double(1 << (attempt - 1)), 30)
            for _ in 0..<20 {
                let c = DeliveryPolicy().backoff(attempt: attempt).components
                let d = Double(c.seconds) + Double(c.attoseconds) / 1e18
                #expect(d >= nominal / 2 - 1e-9 && d <= nominal + 1e-9, "attempt \(attempt): \(d)s, nominal \(nominal)s")
            }
        }
    }
}
