import ArgumentParser
import CharmTelemetry
import CharmWire
import Dispatch
import Foundation

/// An exporter that does nothing: measures the manager, not the exporter.
final class NoopExporter: TelemetryExporter {
    func handle(_ event: TelemetryEvent) {}
}

/// An exporter that never returns from its first event.
final class HungBenchExporter: TelemetryExporter {
    let gate = DispatchSemaphore(value: 0)
    func handle(_ event: TelemetryEvent) { gate.wait() }
}

/// Caller-side cost of `dispatch`: what the agent pays per event.
struct DispatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch", abstract: "Caller-side dispatch cost (ns/event), against charmos' TelemetryManager.dispatch.")

    @Option(help: "Events per scenario.")
    var events = 1_000_000

    @Flag(help: "Skip the Python charmos comparison.")
    var noPython = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        var out = output.output("dispatch")
        out.set("events", .int(Int64(events)))
        out.line("dispatch: \(events) llm_new_token events per scenario, one caller thread")
        out.line("scenario                      p50 ns   p99 ns  p99.9 ns   mean ns  loop mean")
        // The caller's cost must not grow with the number of exporters: 0, 1, 3 and 8 no-ops.
        for (exporters, hung) in [(0, false), (1, false), (3, false), (8, false), (1, true)] {
            let label = hung ? "swift, 1 no-op + 1 hung" : "swift, \(exporters) no-op exporter\(exporters == 1 ? "" : "s")"
            let m = TelemetryManager(enabledExporters: [], registry: ExporterRegistry(), context: .init(environment: [:]), emitter: nil)
            for i in 0..<exporters { m.add(NoopExporter(), named: "noop\(i)") }
            let hungExporter = HungBenchExporter()
            if hung { m.add(hungExporter, named: "hung") }
            var samples = [UInt64](repeating: 0, count: events)
            for i in 0..<events {
                let t0 = monotonicNanos()
                m.dispatch(.llmNewToken(token: "tok"), runID: "bench")
                samples[i] = monotonicNanos() &- t0
            }
            // The mean again without a clock read around each call: one clock read around the
            // whole loop, so the figure is the call alone (each clock read costs ~30 ns here).
            let t0 = monotonicNanos()
            for _ in 0..<events { m.dispatch(.llmNewToken(token: "tok"), runID: "bench") }
            let loopMean = Double(monotonicNanos() &- t0) / Double(max(1, events))
            let p = Percentiles(samples)
            out.line(row(label, p) + format(loopMean).leftPad(10))
            var record = p.json
            record["loop_mean_ns"] = .double(loopMean)
            record["scenario"] = .string(label)
            record["exporters"] = .int(Int64(exporters))
            record["hung"] = .bool(hung)
            if !hung { m.flush(timeout: .seconds(30)) }
            if hung {
                let dropped = m.statistics().first { $0.name == "hung" }?.dropped ?? 0
                out.line("    (hung exporter: \(dropped) of the \(2 * events) events dispatched (timed and loop passes) dropped and counted: all but the one its hook holds and its window; the caller never waited)")
                record["hung_dropped"] = .int(Int64(dropped))
            }
            out.add("ours", record)
        }
        if !noPython {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../scripts/bench_charmos_dispatch.py").standardized.path
            let p = Process()
            let pipe = Pipe()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script, String(min(events, 200_000)), "--json"]
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let row = (try? JSONParser.parse(String(line)))?.objectValue else { continue }
                out.add("peer", row)
                let label = row["scenario"]?.stringValue ?? "?"
                let f = ["p50_ns", "p99_ns", "p999_ns", "mean_ns"].map { row[$0]?.doubleValue ?? .nan }
                    + [row["loop_mean_ns"]?.doubleValue ?? .nan]
                out.line(label.padding(toLength: 28, withPad: " ", startingAt: 0) + f.map { format($0).leftPad(9) }.joined())
            }
            out.line("charmos, 1 no-op + 1 hung       (dispatch never returns: exporters run inline)")
        }
        out.finish()
    }

    func row(_ label: String, _ p: Percentiles) -> String {
        label.padding(toLength: 28, withPad: " ", startingAt: 0)
            + [p.p50, p.p99, p.p999, p.mean].map { format($0).leftPad(9) }.joined()
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
