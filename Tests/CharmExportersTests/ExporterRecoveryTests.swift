import CharmExporters
import CharmTelemetry
import Foundation
import CharmTestSupport
import Testing

/// Issue 10: what exporters do after a crash, and what their errors may show.
@Suite("Exporter recovery and scrubbing", .blocksThreads)
struct ExporterRecoveryTests {
    @Test("jsonl after a crash: a torn last line stays alone, and every new event parses")
    func tornLastLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-torn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.jsonl").path
        // A previous session wrote one whole line, then died in the middle of the next.
        let before = #"{"type": "status", "content": "whole"}"# + "\n" + #"{"type": "delta", "cont"#
        try Data(before.utf8).write(to: URL(fileURLWithPath: path))
        let exporter = JSONLExporter(path: path)
        try Scenario.play(exporter)
        exporter.shutdown()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(before + "\n"), "the fragment must end its own line")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2 + Scenario.events.count)
        var parsed = 0
        for line in lines.dropFirst(2) {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["telemetry"] != nil, "not a whole event: \(line)")
            if object != nil { parsed += 1 }
        }
        #expect(parsed == Scenario.events.count)
    }

    @Test("jsonl on a file ending in a newline adds nothing")
    func cleanEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-clean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.jsonl").path
        try Data((#"{"type": "status", "content": "whole"}"# + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let exporter = JSONLExporter(path: path)
        try Scenario.play(exporter)
        exporter.shutdown()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("\n\n"))
    }

    @Test("URL user info and query strings are scrubbed from every error text")
    func scrubbing() {
        let r = Redactor(secrets: Redactor.urlSecrets("https://bob:s3cr3t-pw@h.example/hook?token=abc-123-xyz&x=1"))
        let echoed = r.clean("refused POST /hook?token=abc-123-xyz&x=1 HTTP/1.1 from https://bob:s3cr3t-pw@h.example/hook")
        #expect(!echoed.contains("abc-123-xyz"))
        #expect(!echoed.contains("s3cr3t-pw"))
        #expect(echoed.contains("/hook?[redacted]"))
        #expect(echoed.contains("https://h.example/hook"))
        // Ordinary text is left alone.
        #expect(Redactor().clean("is it down? mail ops@example.com") == "is it down? mail ops@example.com")
        // A URL the exporter does not know is still cut.
        #expect(Redactor().clean("see http://u:p@other.example/x?key=zzz9") == "see http://other.example/x?[redacted]")
    }
}
