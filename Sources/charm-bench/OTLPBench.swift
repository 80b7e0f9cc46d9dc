import ArgumentParser
import CharmExporters
import Foundation

/// Events per second through the `otlp` exporter to a loopback sink, against the Python
/// OpenTelemetry SDK sending the same spans to the same sink, in one run.
struct OTLPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otlp", abstract: "OTLP exporter throughput and CPU per span, against the Python OpenTelemetry SDK.")

    @Option(help: "Spans per side (one root run, the rest tool calls under it).")
    var spans = 100_000

    @Option(help: "Sink port on 127.0.0.1.")
    var port = 43_181

    @OptionGroup var output: OutputOptions

    func run() throws {
        var out = output.output("otlp")
        out.set("spans", .int(Int64(spans)))
        // The sink is a separate process, so neither side's CPU figure includes it.
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        sink.arguments = ["sink", "--port", String(port)]
        try sink.run()
        defer { sink.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        let url = "http://127.0.0.1:\(port)/v1/traces"

        let cpu0 = cpuSeconds()
        let r = OTLPBenchmark.run(spans: spans, url: url, wireProtocol: .protobuf, timeout: .seconds(300))
        let cpu = cpuSeconds() - cpu0
        let secs = Double(r.elapsed.components.seconds) + Double(r.elapsed.components.attoseconds) / 1e18
        out.line("otlp: \(spans) spans over OTLP/HTTP protobuf to a loopback sink (separate process)")
        out.line("side                 spans/s   CPU µs/span   wall s   delivered")
        let oursRate: Double = Double(r.sent) / secs
        let oursCPU: Double = cpu / Double(spans) * 1e6
        out.add("ours", [
            "side": .string("swift otlp exporter"), "spans_per_s": .double(oursRate), "cpu_us_per_span": .double(oursCPU),
            "seconds": .double(secs), "delivered": .int(Int64(r.sent)),
        ])
        out.line("swift otlp exporter".padding(toLength: 19, withPad: " ", startingAt: 0)
              + format(Double(r.sent) / secs).leftPad(10) + format(cpu / Double(spans) * 1e6, 2).leftPad(14)
              + format(secs, 3).leftPad(9) + "   \(r.sent)/\(spans)\(r.complete ? "" : " (incomplete)")")

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Tests/Fixtures/exporters/otel_python_bench.py").standardized.path
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, String(spans), url]
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard p.terminationStatus == 0, let pySecs = fields.first else {
            throw ValidationError("python OpenTelemetry SDK failed (pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http)")
        }
        let pyCPU = fields.count > 1 ? fields[1] : .nan
        let peerRate: Double = Double(spans) / pySecs
        let peerCPU: Double = pyCPU / Double(spans) * 1e6
        out.add("peer", [
            "side": .string("python otel sdk"), "spans_per_s": .double(peerRate), "cpu_us_per_span": .double(peerCPU),
            "seconds": .double(pySecs),
        ])
        out.set("ratio", .double(oursRate / peerRate))
        out.line("python otel sdk".padding(toLength: 19, withPad: " ", startingAt: 0)
              + format(Double(spans) / pySecs).leftPad(10) + format(pyCPU / Double(spans) * 1e6, 2).leftPad(14)
              + format(pySecs, 3).leftPad(9))
        out.line("ratio (swift spans/s ÷ python spans/s): " + format((Double(r.sent) / secs) / (Double(spans) / pySecs), 2))
        out.finish()
    }
}

/// This process's user + system CPU time in seconds.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec)
        + Double(u.ru_stime.tv_usec) / 1e6
}
