import CharmTestSupport
import Foundation
import Testing

@Suite("OTLP receiver: GenAI events in logs, exactly as the producer's own log records say", .blocksThreads, .serialized)
struct OTLPLogsTests {
    /// JSON text, parsed and written back with sorted keys, so two spellings of the same
    /// value compare equal and a difference prints readably.
    private static func canonical(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    private static func canonical(text: String) throws -> String {
        try canonical(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
    }

    @Test(
        "openai-v2's gen_ai events, sent before their span, while it waits for its agent, and after it went out: the oracle's messages on the LLM calls (jsonl), every record a log line",
        .oracle(OTLPProducers.openAIV2, OTLPProducers.httpExporter))
    func openAIEvents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-otlp-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("events.jsonl").path
        let monitor = try OTLPMonitor(
            ["--otlp-http", "127.0.0.1:0", "--exporters", "jsonl"], environment: ["CHARM_TELEMETRY_JSONL_PATH": jsonl])
        let expected = try OTLPProducers.run("openai_genai_events.py", ["--endpoint", monitor.httpEndpoint])
        let r = try monitor.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try Monitor.summary(r)

        // Every record is a log line.
        let records = expected["log_records"] as? Int ?? -1
        #expect(records == 18, "three calls of six events each: \(expected)")
        #expect(summary["otlp_log_lines"] as? Int == records)

        // The llm_call events the exporters got, by span id.
        var llm: [String: [String: Any]] = [:]
        let text = try String(contentsOfFile: jsonl, encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                o["type"] as? String == "llm_call", let t = o["telemetry"] as? [String: Any],
                let call = t["call_id"] as? String
            else { continue }
            llm[call] = t["llm"] as? [String: Any] ?? [:]
        }
        let calls = expected["calls"] as? [[String: Any]] ?? []
        #expect(calls.count == 3)
        #expect(llm.count == 3, "\(text)")
        for c in calls {
            let span = c["span_id"] as? String ?? ""
            let got = llm[span] ?? [:]
            if c["attached"] as? Bool == true {
                #expect(
                    try (got["input_messages"] as? String).map(Self.canonical(text:)) == Self.canonical(c["input_messages"] ?? []),
                    "span \(span)")
                #expect(
                    try (got["output_messages"] as? String).map(Self.canonical(text:)) == Self.canonical(c["output_messages"] ?? []),
                    "span \(span)")
                #expect((c["input_messages"] as? [Any])?.count == 5)
            } else {
                // Its span went out before its events came: shown, not attached.
                #expect(got["input_messages"] == nil && got["output_messages"] == nil, "span \(span): \(got)")
            }
        }
    }
}
