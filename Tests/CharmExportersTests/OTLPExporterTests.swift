import CharmExporters
import CharmTelemetry
import CharmTestSupport
import Testing

@Suite("otlp exporter", .blocksThreads)
struct OTLPExporterTests {
    static let config = CharmConfig(id: "weather-agent", name: "Weather")

    @Test(
        "spans follow the GenAI conventions and decode with opentelemetry-proto",
        .oracle(.opentelemetryProto),
        arguments: [OTLPConfiguration.WireProtocol.protobuf, .json])
    func genAISpans(wire: OTLPConfiguration.WireProtocol) async throws {
        let server = try await TestHTTPServer.start()
        let env = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": server.baseURL + "/", "OTEL_EXPORTER_OTLP_PROTOCOL": wire.rawValue,
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20tok%3D1,x-team=ml", "OTEL_SERVICE_NAME": "svc",
            "OTEL_EXPORTER_OTLP_COMPRESSION": wire == .json ? "gzip" : "none",
        ]
        let exporter = try OTLPExporter(
            context: ExporterContext(environment: env, configuration: Self.config), policy: Scenario.fastPolicy())
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()

        let requests = server.requests
        #expect(!requests.isEmpty)
        for r in requests {
            #expect(r.uri == "/v1/traces")
            #expect(r.header("Authorization") == "Bearer tok=1")
            #expect(r.header("x-team") == "ml")
            #expect(r.header("Content-Type") == (wire == .protobuf ? "application/x-protobuf" : "application/json"))
            #expect(r.header("Content-Encoding") == (wire == .json ? "gzip" : nil))
        }
        let decoded = try PythonJudge.judge(
            "otlp_decode.py", [wire == .protobuf ? "protobuf" : "json"], bodies: requests.map(\.content))
        #expect(decoded[path: "resource", "service.name", "stringValue"]?.stringValue == "svc")
        #expect(decoded[path: "scope", "name"]?.stringValue == "charm-telemetry")
        let spans = decoded["spans"]?.objects ?? []
        #expect(spans.count == 6)
        func span(_ name: String) -> JSONObject? { spans.first { $0.string("name") == name } }
        func attr(_ s: JSONObject?, _ key: String) -> JSONValue? { s?["attributes"]?[key]?["stringValue"] ?? s?["attributes"]?[key]?["intValue"] }

        let runs = spans.filter { $0.string("name") == "invoke_agent Weather" }
        #expect(runs.count == 3)
        let root = try #require(runs.first { attr($0, "charm.run_id")?.stringValue == "run-root" })
        let child = try #require(runs.first { attr($0, "charm.run_id")?.stringValue == "run-child" })
        let bad = try #require(runs.first { attr($0, "charm.run_id")?.stringValue == "run-bad" })
        #expect(attr(root, "gen_ai.operation.name")?.stringValue == "invoke_agent")
        #expect(attr(root, "gen_ai.agent.id")?.stringValue == "weather-agent")
        #expect(attr(root, "gen_ai.agent.name")?.stringValue == "Weather")
        #expect(root.string("parent_span_id") == "")
        #expect(root.string("trace_id")?.count == 32)
        #expect(root.string("span_id")?.count == 16)
        #expect(child.string("parent_span_id") == root.string("span_id"))
        #expect(child.string("trace_id") == root.string("trace_id"))
        #expect(bad.string("trace_id") != root.string("trace_id"))
        #expect(bad["status_code"]?.intValue == 2)
        #expect(bad.string("status_message") == "model timed out")
        #expect(attr(bad, "error.type")?.stringValue == "TimeoutError")

        let search = try #require(span("execute_tool search"))
        #expect(attr(search, "gen_ai.operation.name")?.stringValue == "execute_tool")
        #expect(attr(search, "gen_ai.tool.name")?.stringValue == "search")
        #expect(attr(search, "gen_ai.tool.call.id")?.stringValue == "call-1")
        #expect(search.string("parent_span_id") == root.string("span_id"))
        #expect(search["status_code"]?.intValue == 0)
        // Timestamps come from the events: tool start is event 2, end event 3 (250 ms apart).
        #expect(search.string("start") == String((Scenario.t0 + 2 * 250_000) * 1_000))
        #expect(search.string("end") == String((Scenario.t0 + 3 * 250_000) * 1_000))

        let calc = try #require(span("execute_tool calculator"))
        #expect(calc["status_code"]?.intValue == 2)
        #expect(calc.string("status_message") == "division by zero")

        let chat = try #require(span("chat"))
        #expect(chat["kind"]?.intValue == 3)
        #expect(attr(chat, "gen_ai.usage.output_tokens")?.stringValue == "2")
        #expect(chat.string("parent_span_id") == root.string("span_id"))
    }

    @Test("variables: traces endpoint as is, signal-specific protocol, bad protocol refused")
    func configuration() throws {
        let c = try OTLPConfiguration(
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:9/custom",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=fromres",
            ], serviceName: "agent")
        #expect(c.url == "http://b:9/custom")
        #expect(c.wireProtocol == .json)
        #expect(c.resource.first?.1 == "fromres")
        #expect(c.resource.contains { $0 == ("deployment.environment", "prod") })
        let d = try OTLPConfiguration(environment: [:], serviceName: "agent")
        #expect(d.url == "http://localhost:4318/v1/traces")
        #expect(d.wireProtocol == .protobuf)
        #expect(throws: ExporterSetupError.self) {
            try OTLPConfiguration(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"], serviceName: "a")
        }
    }

    @Test("the benchmark hook delivers every span and reports the time")
    func benchmark() async throws {
        let server = try await TestHTTPServer.start()
        let result = OTLPBenchmark.run(spans: 1_000, url: server.baseURL + "/v1/traces", timeout: .seconds(20))
        await server.stop()
        #expect(result.complete)
        #expect(result.sent == 1_000)
        #expect(result.dropped == 0)
        #expect(result.elapsed > .zero)
    }
}
