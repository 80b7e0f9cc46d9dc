import CharmTelemetry

/// A benchmark entry point for charm-bench: pushes spans through the real pipeline
/// (`TelemetryManager` → exporter worker → span tracker → delivery engine → HTTP) to an OTLP
/// endpoint and waits until the endpoint has acknowledged all of them.
///
/// `Tests/Fixtures/exporters/otel_python_bench.py` sends the same spans (one root run and
/// `spans - 1` tool calls under it) with the Python OpenTelemetry SDK, for comparison.
package enum OTLPBenchmark {
    /// What a run measured.
    package struct Result: Sendable, Hashable {
        /// From the first event dispatched to the last batch acknowledged.
        package var elapsed: Duration
        /// Spans the endpoint acknowledged.
        package var sent: Int
        /// Spans dropped (full buffers or refused requests).
        package var dropped: Int
        /// Whether everything was delivered before the timeout.
        package var complete: Bool
    }

    /// Sends `spans` spans (at least 1) to `url` (a full traces URL, e.g.
    /// `http://127.0.0.1:4318/v1/traces`) and returns how long delivery took.
    package static func run(
        spans: Int, url: String, wireProtocol: OTLPConfiguration.WireProtocol = .protobuf, gzip: Bool = false,
        timeout: Duration = .seconds(60)
    ) -> Result {
        let n = max(1, spans)
        let exporter = OTLPExporter(
            configuration: OTLPConfiguration(
                url: url, wireProtocol: wireProtocol, gzip: gzip, resource: [("service.name", "charm-bench")]),
            agentName: "bench", policy: DeliveryPolicy(capacity: max(2048, n + 16)))
        let manager = TelemetryManager(
            registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil,
            configuration: .init(queueCapacity: max(16_384, 2 * n + 16)))
        manager.add(exporter, named: OTLPExporter.name)
        let clock = ContinuousClock()
        let start = clock.now
        let run = "bench-run"
        manager.dispatch(.runStart(inputs: ["spans": .int(Int64(n))]), runID: run)
        for i in 1..<n {
            let call = "bench-call-\(i)"
            manager.dispatch(.toolStart(toolName: "tool", input: "\(i)"), runID: run, callID: call)
            manager.dispatch(.toolEnd(toolName: "tool", output: "ok"), runID: run, callID: call)
        }
        manager.dispatch(.runEnd(outputs: [:], status: .ok), runID: run)
        let report = manager.flush(timeout: timeout)
        let elapsed = start.duration(to: clock.now)
        let status = exporter.status
        manager.shutdown(timeout: .seconds(1))
        return Result(elapsed: elapsed, sent: status.sent, dropped: status.dropped, complete: report.complete)
    }
}
