#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation

/// `charm-monitor --headless` with OTLP receivers on free ports, read from its stderr as it
/// prints them; ended with SIGINT, which prints the summary.
final class OTLPMonitor: @unchecked Sendable {
    let monitor: RunningMonitor

    /// Starts it with `arguments` (which should ask for port 0) and waits for the
    /// `otlp-http`/`otlp-grpc listening on` lines.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        monitor = try RunningMonitor(["--headless", "--no-stdin"] + arguments, environment: environment)
        let wanted = arguments.filter { $0 == "--otlp-http" || $0 == "--otlp-grpc" }.count
        guard waitUntil(30, { self.ports.count >= wanted || !self.monitor.process.isRunning }), monitor.process.isRunning
        else {
            // Everything it said, read to the end, and how it ended.
            if monitor.process.isRunning { kill(monitor.pid, SIGKILL) }
            let r = try? monitor.wait(timeout: 10)
            throw MonitorError(
                message: "charm-monitor did not start its receivers (status \(r.map { String($0.status) } ?? "?")): \(r?.stderr ?? monitor.stderrSoFar)")
        }
    }

    /// The ports printed, by protocol (`otlp-http`, `otlp-grpc`).
    var ports: [String: Int] {
        var found: [String: Int] = [:]
        for line in monitor.stderrSoFar.split(separator: "\n") {
            for proto in ["otlp-http", "otlp-grpc"] {
                guard let r = line.range(of: "\(proto) listening on ") else { continue }
                if let port = line[r.upperBound...].split(separator: ":").last.flatMap({ Int($0) }) { found[proto] = port }
            }
        }
        return found
    }

    var httpEndpoint: String { "http://127.0.0.1:\(ports["otlp-http"] ?? 0)" }
    var grpcEndpoint: String { "http://127.0.0.1:\(ports["otlp-grpc"] ?? 0)" }

    /// SIGINT, then the result (the summary on stdout).
    func stop(timeout: Double = 60) throws -> Monitor.Result {
        kill(monitor.pid, SIGINT)
        return try monitor.wait(timeout: timeout)
    }
}

enum OTLPProducers {
    static let pydanticAI = Oracle(.python(module: "pydantic_ai"), install: "pip install 'pydantic-ai-slim==2.68.*'")
    static let httpExporter = Oracle(
        .python(module: "opentelemetry.exporter.otlp.proto.http"), install: "pip install opentelemetry-exporter-otlp-proto-http")
    static let grpcExporter = Oracle(
        .python(module: "opentelemetry.exporter.otlp.proto.grpc"), install: "pip install opentelemetry-exporter-otlp-proto-grpc")

    static let openAIAgents = Oracle(.python(module: "agents"), install: "pip install 'openai-agents==0.24.*'")
    static let openInferenceOpenAIAgents = Oracle(
        .python(module: "openinference.instrumentation.openai_agents"),
        install: "pip install 'openinference-instrumentation-openai-agents==2.*'")
    static let langChain = Oracle(.python(module: "langchain.agents"), install: "pip install 'langchain==1.*'")
    static let openLLMetryLangChain = Oracle(
        .python(module: "opentelemetry.instrumentation.langchain"),
        install: "pip install 'opentelemetry-instrumentation-langchain==0.62.*'")

    static let openAIV2 = Oracle(
        .python(module: "opentelemetry.instrumentation.openai_v2"),
        install: "pip install 'opentelemetry-instrumentation-openai-v2>=2.4b0,<3' 'opentelemetry-util-genai==0.4b0' 'openai==3.*'")

    /// The arguments that point a producer at `monitor`'s HTTP or gRPC receiver.
    static func endpoint(_ monitor: OTLPMonitor, grpc: Bool) -> [String] {
        grpc ? ["--endpoint", monitor.grpcEndpoint, "--protocol", "grpc"] : ["--endpoint", monitor.httpEndpoint]
    }

    static func script(_ name: String) -> String { Monitor.fixtures.appendingPathComponent("otlp/\(name)").path }

    /// Runs a producer script; its last stdout line parsed as JSON (the oracle's expectation).
    static func run(_ name: String, _ arguments: [String], timeout: Double = 120) throws -> [String: Any] {
        let r = try Monitor.runProcess("/usr/bin/env", ["python3", script(name)] + arguments, timeout: timeout)
        guard r.status == 0 else { throw MonitorError(message: "\(name) failed (\(r.status)): \(r.stderr)") }
        let line = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw MonitorError(message: "\(name) printed no JSON object: \(r.stdout)")
        }
        return o
    }

    /// The summary's runs reduced to the fields the oracle states, sorted by run id, as
    /// canonical JSON text (so a difference prints readably).
    static func comparable(_ runs: [[String: Any]], only ids: Set<String>? = nil) throws -> String {
        let keys = ["run_id", "parent_run_id", "name", "status", "tool_calls", "llm_calls", "input_tokens", "output_tokens"]
        let reduced: [[String: Any]] = runs.filter { ids?.contains($0["run_id"] as? String ?? "") ?? true }.map { r in
            var o: [String: Any] = [:]
            for k in keys { o[k] = r[k] ?? NSNull() }
            return o
        }.sorted { ($0["run_id"] as? String ?? "") < ($1["run_id"] as? String ?? "") }
        let data = try JSONSerialization.data(withJSONObject: reduced, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }
}
