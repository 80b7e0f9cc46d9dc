import ArgumentParser
import CharmMonitorCore
import CharmTelemetry
import Foundation

/// Headless ingest (decode + model update + dispatch to no exporters) of a generated NDJSON
/// file, against `jq -c . > /dev/null` on the same file, in one run.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Headless ingest of a 1,000,000-event NDJSON file, against jq.")

    @Option(help: "Events in the generated file.")
    var events = 1_000_000

    @Option(help: "Concurrent runs the events are spread over (1 = one run streaming tokens).")
    var runs = 4

    @Flag(help: "Skip jq (for profiling the ingest alone).")
    var noJq = false

    func run() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("charm-bench-ingest-\(getpid()).ndjson").path
        let bytes = DecodeBench.generate(events: events, framing: .ndjson, runs: runs)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        print("ingest: \(events) NDJSON events (\(format(Double(bytes.count) / 1e6, 1)) MB) over \(runs) run(s)")

        var jqSecs = Double.nan
        if !noJq {
        let jq = Process()
        jq.executableURL = URL(fileURLWithPath: "/bin/sh")
        jq.arguments = ["-c", "jq -c . '\(path)' > /dev/null"]
        let t0 = monotonicNanos()
        try jq.run()
        jq.waitUntilExit()
        jqSecs = Double(monotonicNanos() - t0) / 1e9
        guard jq.terminationStatus == 0 else { throw ValidationError("jq failed (apt-get install jq)") }
        }

        let r = HeadlessIngest.run(paths: [path])
        precondition(r.events == events, "ingested \(r.events) of \(events)")
        print("side                 seconds     events/s      MB/s   peak RSS MiB")
        print("charm-monitor ingest" + format(r.seconds, 3).leftPad(9) + format(r.eventsPerSecond).leftPad(13)
              + format(Double(bytes.count) / r.seconds / 1e6, 1).leftPad(10) + format(peakRSSMiB(), 1).leftPad(15))
        guard !noJq else { return }
        print("jq -c . > /dev/null " + format(jqSecs, 3).leftPad(9) + format(Double(events) / jqSecs).leftPad(13)
              + format(Double(bytes.count) / jqSecs / 1e6, 1).leftPad(10))
        print("ratio (jq seconds ÷ ingest seconds): " + format(jqSecs / r.seconds, 2))
    }
}
