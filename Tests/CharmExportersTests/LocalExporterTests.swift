import CharmExporters
import CharmTelemetry
import CharmWire
import Crypto
import Foundation
import CharmTestSupport
import Testing

@Suite("jsonl and webhook exporters", .blocksThreads)
struct LocalExporterTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-jsonl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("jsonl lines replay through StreamDecoder as the same events")
    func replay() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.jsonl").path
        let exporter = JSONLExporter(context: ExporterContext(environment: ["CHARM_TELEMETRY_JSONL_PATH": path]))
        try Scenario.play(exporter)
        exporter.shutdown()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var decoder = StreamDecoder(sourceName: "file")
        var events: [TelemetryEvent] = []
        var types: [String] = []
        decoder.feed(bytes) { record in
            if case .event(let w) = record {
                events += w.hookEvents
                types.append(w.type)
            }
        }
        #expect(events == Scenario.events)
        #expect(types.first == "status")
        #expect(types.contains("delta"))
        #expect(exporter.status.sent == Scenario.events.count)
    }

    @Test("jsonl rotates by size and keeps N files")
    func rotation() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.jsonl").path
        let exporter = JSONLExporter(path: path, maxBytes: 1024, keep: 2)
        for _ in 0..<10 { try Scenario.play(exporter) }
        exporter.shutdown()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["r.jsonl", "r.jsonl.1", "r.jsonl.2"])
        for n in names {
            let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(n).path)[.size] as? Int
            #expect((size ?? 0) <= 1024)
        }
    }

    @Test("webhook batches are signed with HMAC-SHA256 of the body")
    func webhookSignature() async throws {
        let server = try await TestHTTPServer.start()
        let exporter = try WebhookExporter(
            context: ExporterContext(environment: [
                "CHARM_TELEMETRY_WEBHOOK_URL": server.baseURL + "/hook", "CHARM_TELEMETRY_WEBHOOK_SECRET": "s3cret-value",
            ]), policy: Scenario.fastPolicy())
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()
        let r = try #require(server.requests.first)
        let mac = HMAC<SHA256>.authenticationCode(for: r.body, using: SymmetricKey(data: Array("s3cret-value".utf8)))
        #expect(r.header("X-Charm-Signature") == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        let ts = Int(r.header("X-Charm-Timestamp") ?? "") ?? 0
        #expect(abs(ts - Int(Date().timeIntervalSince1970)) < 60)
        let array = try JSONParser.parse(r.body).arrayValue ?? []
        #expect(array.count == Scenario.events.count)
        #expect(array.first?["type"]?.stringValue == "status")
        #expect(array.first?["telemetry"]?["hook"]?.stringValue == "run_start")
    }

    @Test("registerBuiltins registers six exporters with their required variables")
    func registry() throws {
        let r = ExporterRegistry()
        CharmExporters.registerBuiltins(in: r)
        #expect(r.names == ["datadog", "langsmith", "sentry", "otlp", "jsonl", "webhook"])
        #expect(r.descriptor(named: "langsmith")?.missingVariable(in: [:]) == "LANGSMITH_API_KEY")
        #expect(r.descriptor(named: "sentry")?.missingVariable(in: [:]) == "SENTRY_DSN")
        #expect(r.descriptor(named: "webhook")?.missingVariable(in: ["CHARM_TELEMETRY_WEBHOOK_URL": "http://x"]) == "CHARM_TELEMETRY_WEBHOOK_SECRET")
        #expect(r.descriptor(named: "otlp")?.missingVariable(in: [:]) == nil)
        #expect(throws: ExporterSetupError.missingSecret(name: "langsmith", variable: "LANGSMITH_API_KEY")) {
            try r.make("langsmith", context: ExporterContext(environment: [:]))
        }
    }

    @Test("URLs are shown without credentials")
    func displayURL() {
        #expect(Redactor.displayURL("https://user:pw@host:8080/p/a?api_key=x#f") == "https://host:8080/p/a")
        #expect(Redactor(secrets: ["topsecret"]).clean("key=topsecret!") == "key=[redacted]!")
    }
}
