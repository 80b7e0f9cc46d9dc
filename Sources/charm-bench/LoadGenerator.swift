import ArgumentParser
import CharmTelemetry
import CharmWire
import Foundation

/// `scripts/otlp_load.py` in a child process: the spans are built and encoded once when it
/// starts, then sent to each receiver in turn on request, so every receiver gets the same
/// bytes from the same sender.
final class LoadGenerator {
    /// What one send came to, as the script reports it.
    struct Result {
        var spans: Int
        var acknowledged: Int
        var rejected: Int
        var failures: Int
        var retries: Int
        var seconds: Double
        var statuses: String
        var error: String?
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []
    private let python: String
    /// Spans and request bytes the script built.
    private(set) var spans = 0
    private(set) var bytes = 0

    /// Starts the script with `python` and waits until its bodies are built; throws with the
    /// script's own message when the OpenTelemetry SDK is missing.
    init(python: String, spans: Int, batch: Int, connections: Int) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/otlp_load.py").standardized.path
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("the load generator \(script) is missing (run charm-bench from its checkout)")
        }
        self.python = python
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--spans", String(spans), "--batch", String(batch), "--connections", String(connections)]
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot start \(python): \(error)")
        }
        let ready = try reply()
        guard ready["ready"] != nil, let n = ready["spans"]?.intValue, let b = ready["bytes"]?.intValue else {
            throw ValidationError("otlp_load.py did not start: \(ready["error"]?.stringValue ?? "no ready line")")
        }
        self.spans = Int(n)
        self.bytes = Int(b)
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Sends the first `spans` spans to `url` and waits for the last answer.
    func send(to url: String, spans: Int) throws -> Result {
        input.fileHandleForWriting.write(Data("send \(url) \(spans)\n".utf8))
        let r = try reply()
        func int(_ key: String) -> Int { Int(r[key]?.intValue ?? 0) }
        let statuses = r["statuses"]?.objectValue.map { o in
            o.keys.sorted().map { "\($0): \(o[$0]?.intValue ?? 0)" }.joined(separator: ", ")
        } ?? ""
        return Result(
            spans: int("spans"), acknowledged: int("acknowledged"), rejected: int("rejected"), failures: int("failures"),
            retries: int("retries"), seconds: r["seconds"].flatMap(\.doubleValue) ?? .nan, statuses: statuses,
            error: r["error"]?.stringValue)
    }

    /// The script's next line, as a JSON object.
    private func reply() throws -> JSONObject {
        while true {
            if let nl = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<nl])
                pending.removeSubrange(...nl)
                guard case .object(let o)? = try? JSONParser.parse(line) else {
                    throw ValidationError("otlp_load.py said: \(String(decoding: line, as: UTF8.self))")
                }
                return o
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                let rest = String(decoding: pending, as: UTF8.self)
                throw ValidationError(
                    "otlp_load.py ended before answering (can \(python) run it, with the OpenTelemetry SDK?)"
                        + (rest.isEmpty ? "" : ": \(rest)"))
            }
            pending += data
        }
    }
}
