import ArgumentParser
import CharmMonitorCore
import CharmTelemetry
import Foundation

/// Spans per second and CPU per span received over OTLP/HTTP from the OpenTelemetry Python
/// SDK's encoder: `charm-monitor --headless --otlp-http` against Arize Phoenix's receiver,
/// the same spans from the same sender in one run; then the monitor's peak memory after more
/// spans, to show it is bounded by retention, not by what was sent.
struct OTLPReceiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otlp-receive",
        abstract: "OTLP/HTTP receive rate and CPU per span: charm-monitor against Arize Phoenix.",
        discussion: """
            Needs the OpenTelemetry Python SDK (pip install opentelemetry-sdk \
            opentelemetry-exporter-otlp-proto-common) and Arize Phoenix (pip install arize-phoenix, best \
            in a virtual environment given with --phoenix-python); see docs/performance.md, "OTLP receive".
            """)

    @Option(help: "Spans sent to each receiver for the comparison (agent runs of 4 spans).")
    var spans = 10_240

    @Option(parsing: .upToNextOption, help: "Spans sent to a fresh monitor for each peak-memory figure.")
    var memorySpans: [Int] = [200_000, 1_000_000, 2_000_000]

    @Option(help: "Spans per request (BatchSpanProcessor's default is 512).")
    var batch = 512

    @Option(help: "Keep-alive connections the sender posts over at once.")
    var connections = 2

    @Option(help: "Python with the OpenTelemetry SDK, for the sender.")
    var python = "python3"

    @Option(help: "Python with arize-phoenix installed, for Phoenix's server.")
    var phoenixPython = "python3"

    @Option(help: "Seconds Phoenix may go without storing a new span before the bench gives up on it.")
    var phoenixStall = 120.0

    @Flag(help: "Measure the monitor alone (for profiling it); the figures then have no peer.")
    var noPhoenix = false

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        guard spans >= 4, batch >= 4, batch % 4 == 0, connections >= 1, memorySpans.allSatisfy({ $0 >= 4 }) else {
            throw ValidationError("--spans and --memory-spans must be 4 or more, --batch a multiple of 4, --connections 1 or more")
        }
    }

    func run() async throws {
        // Checked first: a missing peer is said before minutes of work, never skipped.
        let phoenixVersion = noPhoenix ? nil : try PhoenixServer.installedVersion(python: phoenixPython)
        let generator = try LoadGenerator(
            python: python, spans: max(spans, memorySpans.max() ?? 0), batch: batch, connections: connections)
        var out = output.output("otlp-receive")
        out.set("load_before", .string(ProcessProbe.loadAverage()))
        out.set("batch", .int(Int64(batch)))
        out.set("connections", .int(Int64(connections)))
        out.line("otlp-receive: pydantic-ai agent runs (4 spans each) encoded by the OpenTelemetry Python SDK, "
                 + "\(batch) spans a request, \(connections) connection(s); load \(ProcessProbe.loadAverage())")
        out.line("receiver                          spans     spans/s   CPU µs/span   seconds   peak RSS MiB")

        let ours = try measureMonitor(generator, spans: spans)
        out.add("ours", ours.json)
        out.line(ours.row)

        if let phoenixVersion {
            let peer = try await measurePhoenix(generator, spans: spans, version: phoenixVersion)
            out.add("peer", peer.json)
            out.line(peer.row)
            out.line(peer.ackedRow)
            let ratio = ours.spansPerSecond / peer.spansPerSecond
            out.set("ratio", .double(ratio))
            out.line("ratio (monitor spans/s ÷ Phoenix stored spans/s): " + format(ratio, 1)
                     + "; CPU per span: " + format(peer.cpuMicros / ours.cpuMicros, 1) + "× less")
        }

        out.line("memory: a fresh monitor for each count, default retention (--max-runs \(RetentionLimits.standard.maxRuns))")
        for n in memorySpans {
            let m = try measureMonitor(generator, spans: n)
            out.add("memory", m.json)
            out.line(m.row)
        }
        out.set("load_after", .string(ProcessProbe.loadAverage()))
        out.line("load after: \(ProcessProbe.loadAverage())")
        out.finish()
    }

    /// One receiver's figures for one send.
    struct Figures {
        var receiver: String
        var spans: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakRSSMiB: Double?
        var extra: JSONObject = [:]

        var spansPerSecond: Double { Double(spans) / seconds }
        var cpuMicros: Double { cpuSeconds / Double(spans) * 1e6 }

        var row: String {
            receiver.padding(toLength: 30, withPad: " ", startingAt: 0) + String(spans).leftPad(9)
                + format(spansPerSecond).leftPad(12) + format(cpuMicros, 1).leftPad(14) + format(seconds, 3).leftPad(10)
                + (peakRSSMiB.map { format($0, 1) } ?? "").leftPad(15)
        }

        var json: JSONObject {
            var o: JSONObject = [
                "receiver": .string(receiver), "spans": .int(Int64(spans)), "seconds": .double(seconds),
                "spans_per_s": .double(spansPerSecond), "cpu_us_per_span": .double(cpuMicros),
            ]
            if let peakRSSMiB { o["peak_rss_mib"] = .double(peakRSSMiB) }
            for (k, v) in extra { o[k] = v }
            return o
        }
    }

    /// Phoenix's figures: its rate counts until every span is stored; `acked` until its
    /// last answer, which it gives before storing.
    struct PeerFigures {
        var stored: Figures
        var ackedSeconds: Double
        var spansPerSecond: Double { stored.spansPerSecond }
        var cpuMicros: Double { stored.cpuMicros }
        var row: String { stored.row }
        var ackedRow: String {
            "  (its answers, before storing)".padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(stored.spans).leftPad(9) + format(Double(stored.spans) / ackedSeconds).leftPad(12)
                + "".leftPad(14) + format(ackedSeconds, 3).leftPad(10)
        }
        var json: JSONObject {
            var o = stored.json
            o["answered_seconds"] = .double(ackedSeconds)
            o["answered_spans_per_s"] = .double(Double(stored.spans) / ackedSeconds)
            return o
        }
    }

    /// A fresh monitor receives `spans` spans; its CPU over the send, its peak RSS after it,
    /// and its summary checked against what was sent.
    private func measureMonitor(_ generator: LoadGenerator, spans: Int) throws -> Figures {
        let monitor = try MonitorReceiver()
        let cpu0 = ProcessProbe.cpuSeconds(monitor.pid)
        let r = try generator.send(to: monitor.tracesURL, spans: spans)
        // Answered only once applied to the model (OTLPIngest.receive), so nothing is left
        // to do when the last answer is in.
        let cpu = ProcessProbe.cpuSeconds(monitor.pid) - cpu0
        let rss = ProcessProbe.peakRSSKiB(String(monitor.pid)).map { Double($0) / 1024 }
        let summary = try monitor.stop()
        try Self.check(r, receiver: "charm-monitor")
        let runs = r.spans / 4
        let retained = min(runs, RetentionLimits.standard.maxRuns)
        guard summary.runs == retained, summary.wellFormed == retained else {
            throw ValidationError("""
                charm-monitor answered every request but its summary holds \(summary.runs) runs \
                (\(summary.wellFormed) of the shape sent), not \(retained)
                """)
        }
        return Figures(
            receiver: "charm-monitor --headless", spans: r.spans, seconds: r.seconds, cpuSeconds: cpu, peakRSSMiB: rss,
            extra: ["runs_sent": .int(Int64(runs)), "runs_retained": .int(Int64(summary.runs)),
                    "events": .int(Int64(summary.events)), "retries": .int(Int64(r.retries))])
    }

    /// A fresh Phoenix server receives `spans` spans; timed and charged until its GraphQL API
    /// counts every one stored.
    private func measurePhoenix(_ generator: LoadGenerator, spans: Int, version: String) async throws -> PeerFigures {
        let phoenix = try await PhoenixServer(python: phoenixPython, version: version)
        defer { phoenix.stop() }
        // Its start-up work (migrations, daemons' first pass) is not charged to the spans.
        try await Task.sleep(for: .seconds(3))
        let cpu0 = ProcessProbe.cpuSeconds(phoenix.pid, descendants: true)
        let t0 = monotonicNanos()
        let r = try generator.send(to: phoenix.tracesURL, spans: spans)
        try Self.check(r, receiver: "Phoenix")
        var stored = try await phoenix.storedSpans()
        var lastGrowth = monotonicNanos()
        while stored < r.spans {
            try await Task.sleep(for: .milliseconds(500))
            let now = try await phoenix.storedSpans()
            if now > stored { lastGrowth = monotonicNanos() }
            stored = now
            if Double(monotonicNanos() - lastGrowth) / 1e9 > phoenixStall {
                throw ValidationError("Phoenix answered every request but stored \(stored) of \(r.spans) spans "
                                      + "(no new one in \(Int(phoenixStall)) s)")
            }
        }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        let cpu = ProcessProbe.cpuSeconds(phoenix.pid, descendants: true) - cpu0
        let figures = Figures(
            receiver: "phoenix \(version) (stored)", spans: r.spans, seconds: seconds, cpuSeconds: cpu, peakRSSMiB: nil,
            extra: ["stored": .int(Int64(stored)), "retries": .int(Int64(r.retries)), "statuses": .string(r.statuses)])
        return PeerFigures(stored: figures, ackedSeconds: r.seconds)
    }

    /// Every span must have been answered 2xx and none rejected, or the figures mean nothing.
    private static func check(_ r: LoadGenerator.Result, receiver: String) throws {
        guard r.error == nil, r.failures == 0, r.rejected == 0, r.acknowledged == r.spans else {
            throw ValidationError("""
                \(receiver) acknowledged \(r.acknowledged) of \(r.spans) spans (\(r.rejected) rejected; \
                answers \(r.statuses))\(r.error.map { ": \($0)" } ?? "")
                """)
        }
    }
}
