#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CharmTelemetry
import CharmWire
import Foundation

/// `charm-monitor --headless --otlp-http 127.0.0.1:0`, the release binary built next to
/// charm-bench, as a user runs it: the receiver `charm-bench otlp-receive` measures.
final class MonitorReceiver {
    /// Its OTLP/HTTP endpoint.
    let tracesURL: String
    /// Its process id, for its CPU time and peak memory.
    var pid: pid_t { process.pid }

    private let process: ChildProcess
    private let directory: URL

    /// What the monitor's headless summary says once it stopped.
    struct Summary {
        /// Runs retained, and how many of those have the shape sent (agent `weather`, two
        /// LLM calls with their tokens, one tool call).
        var runs = 0
        var wellFormed = 0
        /// Events the monitor applied.
        var events = 0
    }

    /// Starts the monitor on a free port and waits until it says where it listens.
    init(extraArguments: [String] = []) throws {
        let monitor = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("charm-monitor").path
        guard FileManager.default.isExecutableFile(atPath: monitor) else {
            throw ValidationError("charm-monitor is not built next to charm-bench (\(monitor)): swift build -c release")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("charm-bench-monitor-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stderr = directory.appendingPathComponent("stderr")
        process = try ChildProcess(
            monitor, ["--headless", "--no-stdin", "--otlp-http", "127.0.0.1:0"] + extraArguments,
            stdout: directory.appendingPathComponent("stdout").path, stderr: stderr.path)
        let announcement = "otlp-http listening on "
        let deadline = Date().addingTimeInterval(30)
        while true {
            let text = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
            // "charm-monitor: otlp-http listening on HOST:PORT"
            if let range = text.range(of: announcement) {
                let address = text[range.upperBound...].prefix { !$0.isNewline }
                if text[range.upperBound...].contains(where: \.isNewline) {
                    tracesURL = "http://\(address)/v1/traces"
                    return
                }
            }
            guard process.poll() == nil, Date() < deadline else {
                process.terminate()
                try? FileManager.default.removeItem(at: directory)
                throw ValidationError("charm-monitor did not start its OTLP receiver: \(text)")
            }
            usleep(20_000)
        }
    }

    /// Stops the monitor as a user does (SIGTERM) and reads its headless summary.
    func stop() throws -> Summary {
        let status = process.terminate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = [UInt8]((try? Data(contentsOf: directory.appendingPathComponent("stdout"))) ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes), let runs = o["runs"]?.arrayValue else {
            throw ValidationError("charm-monitor exited \(status) without a summary")
        }
        var s = Summary(runs: runs.count, events: Int(o["events"]?.intValue ?? 0))
        for case .object(let r) in runs {
            let llm = r["llm_calls"]?.arrayValue ?? []
            let tokens = llm.map { ($0.objectValue?["input_tokens"]?.intValue, $0.objectValue?["output_tokens"]?.intValue) }
            if r["name"]?.stringValue == "weather", r["tool_calls"]?.arrayValue?.count == 1, tokens.count == 2,
                tokens[0] == (53, 5), tokens[1] == (56, 11)
            {
                s.wellFormed += 1
            }
        }
        return s
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }
}
