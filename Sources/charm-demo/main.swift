import Foundation
import ArgumentParser
import CharmDemo
import CharmTelemetry

/// `charm-demo`: a simulated agent that prints Charm's stdout protocol.
@main
struct CharmDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charm-demo",
        abstract: "A simulated AI agent that prints Charm's telemetry protocol on stdout.",
        discussion: "Pipe it into the monitor: charm-demo | charm-monitor",
        version: CharmTelemetryVersion.string)

    @Option(help: "Seed for every random choice (same seed, same sessions).")
    var seed: UInt64 = 42

    @Option(help: "Speed factor: 1 is a realistic pace, 10 ten times faster, 0 no pauses.")
    var pace: Double = 1

    @Option(help: "Stop after this many seconds (default: 20; 0 runs until interrupted).")
    var duration: Double = 20

    @Option(help: "Stop after this many sessions.")
    var sessions: Int?

    @Flag(help: "Benchmark mode: one run streaming tokens at --flood-rate per second.")
    var flood = false

    @Option(help: "Tokens per second in --flood mode.")
    var floodRate: Double = 100_000

    @Option(help: "Emit this many finished runs (one tool call each) at once before anything else (benchmarks).")
    var finishedRuns: Int = 0

    @Option(help: "Comma-separated exporters to enable besides the stdout emitter.")
    var exporters: String = ""

    @Flag(help: "At exit, print each exporter's statistics (delivered, dropped, failed) to stderr as JSON.")
    var stats = false

    func validate() throws {
        // Bounded so that `inf` or 1e300 cannot pass and trap when made a Duration.
        guard pace >= 0 && pace <= 1_000_000 else { throw ValidationError("--pace must be between 0 and 1000000") }
        guard duration >= 0 && duration <= 31_536_000 else { throw ValidationError("--duration must be between 0 and 31536000 seconds") }
        guard floodRate > 0 && floodRate <= 100_000_000 else { throw ValidationError("--flood-rate must be positive and at most 100000000") }
        guard finishedRuns >= 0 && finishedRuns <= 10_000_000 else { throw ValidationError("--finished-runs must be between 0 and 10000000") }
    }

    func run() async throws {
        let names = exporters.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let manager = TelemetryManager(enabledExporters: names)
        let options = DemoOptions(
            seed: seed, pace: pace, duration: duration > 0 ? .milliseconds(Int(duration * 1000)) : nil,
            sessions: sessions, flood: flood, floodRate: floodRate, finishedRuns: finishedRuns)
        await DemoAgent(manager: manager, options: options).run()
        manager.shutdown(timeout: .seconds(5))
        if stats {
            var lines: [String] = []
            for s in manager.statistics() {
                var o: JSONObject = [
                    "exporter": .string(s.name), "delivered": .int(Int64(s.delivered)),
                    "dropped": .int(Int64(s.dropped)), "failed": .int(Int64(s.failed)),
                    "health": .string(s.health.rawValue),
                ]
                if let e = s.lastError { o["last_error"] = .string(e) }
                lines.append(JSONWriter.compact(.object(o)))
            }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
