#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CharmTelemetry
import Foundation

/// The path users run: `charm-monitor --headless --file F` on a generated NDJSON file,
/// against `jq -c . > /dev/null` on the same file, in one run.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "charm-monitor --headless --file on a 1,000,000-event NDJSON file, against jq.")

    @OptionGroup var generated: GeneratedFileOptions
    private var events: Int { generated.events }
    private var runs: Int { generated.runs }

    @Flag(help: "Skip jq (for profiling the ingest alone).")
    var noJq = false

    @Flag(help: ArgumentHelp(
        "Also run --headless --record into a new database (against --headless alone), then time `charm-monitor query` counting tool calls by name over that recording."))
    var record = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("charm-bench-ingest-\(getpid()).ndjson").path
        // Generated and written in its own scope and freed before anything is spawned: a
        // spawned child's peak RSS (from wait4) counts what its parent held when it started.
        let size = try Self.writeFile(path, events: events, runs: runs)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let monitor = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("charm-monitor").path
        guard FileManager.default.isExecutableFile(atPath: monitor) else {
            throw ValidationError("charm-monitor is not built next to charm-bench (\(monitor))")
        }
        var out = output.output("ingest")
        out.set("events", .int(Int64(events)))
        out.set("megabytes", .double(Double(size) / 1e6))
        out.line("ingest: \(events) NDJSON events (\(format(Double(size) / 1e6, 1)) MB) over \(runs) run(s)")

        let ours = try Self.time(monitor, ["--headless", "--no-stdin", "--file", path])
        guard ours.status == 0 else { throw ValidationError("charm-monitor exited \(ours.status)") }
        out.line("side                 seconds     events/s      MB/s   peak RSS MiB")
        out.line("charm-monitor --headless" + format(ours.seconds, 3).leftPad(5) + format(Double(events) / ours.seconds).leftPad(13)
                 + format(Double(size) / ours.seconds / 1e6, 1).leftPad(10) + format(ours.peakRSSMiB, 1).leftPad(15))
        out.add("ours", ["command": "charm-monitor --headless --file", "seconds": .double(ours.seconds),
                         "events_per_s": .double(Double(events) / ours.seconds), "peak_rss_mib": .double(ours.peakRSSMiB)])
        if record { try recordSide(monitor: monitor, path: path, plain: ours.seconds, out: &out) }
        if !noJq {
            let jq = try Self.time("/bin/sh", ["-c", "exec jq -c . '\(path)' > /dev/null"])
            guard jq.status == 0 else { throw ValidationError("jq failed (apt-get install jq)") }
            out.line("jq -c . > /dev/null " + format(jq.seconds, 3).leftPad(9) + format(Double(events) / jq.seconds).leftPad(13)
                     + format(Double(size) / jq.seconds / 1e6, 1).leftPad(10) + format(jq.peakRSSMiB, 1).leftPad(15))
            out.line("ratio (jq seconds ÷ charm-monitor seconds): " + format(jq.seconds / ours.seconds, 2))
            out.add("peer", ["command": "jq -c . > /dev/null", "seconds": .double(jq.seconds),
                             "events_per_s": .double(Double(events) / jq.seconds), "peak_rss_mib": .double(jq.peakRSSMiB)])
            out.set("ratio", .double(jq.seconds / ours.seconds))
        }
        out.finish()
    }

    /// `--headless --record` on the same file, its speed against `--headless` alone (issue 13:
    /// at least half), and a count of tool calls by name over the recording (under a second).
    private func recordSide(monitor: String, path: String, plain: Double, out: inout BenchOutput) throws {
        let db = path + ".sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let rec = try Self.time(monitor, ["--headless", "--no-stdin", "--file", path, "--record", db])
        guard rec.status == 0 else { throw ValidationError("charm-monitor --record exited \(rec.status)") }
        let size = ((try? FileManager.default.attributesOfItem(atPath: db))?[.size] as? Int) ?? 0
        out.line("charm-monitor --headless --record" + format(rec.seconds, 3).leftPad(5) + format(Double(events) / rec.seconds).leftPad(13)
                 + format(Double(size) / 1e6, 1).leftPad(10) + " MB db" + format(rec.peakRSSMiB, 1).leftPad(9))
        out.line("recording speed (--headless seconds ÷ --headless --record seconds): " + format(plain / rec.seconds, 2)
                 + " (issue 13: ≥ 0.5)")
        let sql = "SELECT tool_name, count(*) FROM tool_calls GROUP BY tool_name"
        let query = try Self.time(monitor, ["query", "--db", db, sql])
        guard query.status == 0 else { throw ValidationError("charm-monitor query exited \(query.status)") }
        out.line("charm-monitor query (tool calls by name)" + format(query.seconds, 3).leftPad(8) + " s (issue 13: < 1 s)")
        out.add("recorded", ["command": .string("charm-monitor --headless --file --record"), "seconds": .double(rec.seconds),
                             "events_per_s": .double(Double(events) / rec.seconds), "peak_rss_mib": .double(rec.peakRSSMiB),
                             "database_mb": .double(Double(size) / 1e6)])
        out.set("record_speed_ratio", .double(plain / rec.seconds))
        out.add("query", ["command": .string("charm-monitor query \"\(sql)\""), "seconds": .double(query.seconds)])
    }

    /// Writes the generated NDJSON file; returns its size in bytes.
    static func writeFile(_ path: String, events: Int, runs: Int) throws -> Int {
        let bytes = DecodeBench.generate(events: events, framing: .ndjson, runs: runs)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return bytes.count
    }

    /// Runs a program to its end: wall seconds, exit status and its peak RSS (VmHWM, polled).
    static func time(_ program: String, _ arguments: [String]) throws -> (seconds: Double, status: Int32, peakRSSMiB: Double) {
        let t0 = monotonicNanos()
        let child = try ChildProcess(program, arguments)
        // Peak RSS is the child's VmHWM, polled while it runs: wait4's ru_maxrss would count
        // what this process held when it spawned the child (the child starts in our memory).
        var peakKiB = 0
        var exit: Int32?
        while exit == nil {
            exit = child.poll()
            if let kib = ProcessProbe.peakRSSKiB(String(child.pid)) { peakKiB = max(peakKiB, kib) }
            if exit == nil { usleep(2_000) }
        }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        return (seconds, exit ?? 0, Double(peakKiB) / 1024)
    }
}
