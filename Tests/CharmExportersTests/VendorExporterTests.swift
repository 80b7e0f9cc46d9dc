import CharmExporters
import CharmTelemetry
import CharmTestSupport
import Testing

@Suite("datadog exporter", .blocksThreads)
struct DatadogExporterTests {
    @Test(
        "LLM Observability spans match Datadog's documented schema",
        .oracle(.jsonschema))
    func spans() async throws {
        let server = try await TestHTTPServer.start()
        let exporter = DatadogExporter(
            apiKey: "dd-secret-key", mlApp: "weather-agent", agentName: "Weather", tags: ["env:test"],
            endpointURL: server.baseURL + "/api/intake/llm-obs/v1/trace/spans", modelName: "claude-sonnet-4",
            policy: Scenario.fastPolicy())
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()
        let requests = server.requests
        #expect(requests.allSatisfy { $0.header("DD-API-KEY") == "dd-secret-key" && $0.uri == "/api/intake/llm-obs/v1/trace/spans" })
        let judged = try PythonJudge.judge("datadog_validate.py", bodies: requests.map(\.content))
        #expect(judged["ml_app"]?.stringValue == "weather-agent")
        let spans = judged["spans"]?.objects ?? []
        #expect(spans.count == 6)
        let agents = spans.filter { $0["meta"]?["kind"]?.stringValue == "agent" }
        #expect(agents.count == 3)
        let root = try #require(agents.first { $0["tags"]?.arrayValue?.contains("charm.run_id:run-root") == true })
        #expect(root.string("parent_id") == "undefined")
        #expect(root["duration"] == .int(2_500_000_000))  // events 1 → 11, 250 ms apart
        #expect(root["start_ns"]?.intValue == (Scenario.t0 + 250_000) * 1_000)
        let tool = try #require(spans.first { $0.string("name") == "calculator" })
        #expect(tool["meta"]?["kind"]?.stringValue == "tool")
        #expect(tool.string("parent_id") == root.string("span_id"))
        #expect(tool.string("status") == "error")
        #expect(tool["meta"]?["error"]?["type"]?.stringValue == "ZeroDivisionError")
        let llm = try #require(spans.first { $0["meta"]?["kind"]?.stringValue == "llm" })
        #expect(llm["metrics"]?["output_tokens"]?.intValue == 2)
        #expect(llm["meta"]?["model_name"]?.stringValue == "claude-sonnet-4")
        #expect(llm["meta"]?["model_provider"]?.stringValue == "anthropic")
        #expect(tool["tags"]?.arrayValue?.contains("error:1") == true)
        #expect(tool["tags"]?.arrayValue?.contains("error_type:ZeroDivisionError") == true)
        #expect(llm["meta"]?["output"]?["messages"]?.objects.first?.string("content") == "It is sunny.")
        let bad = try #require(agents.first { $0["tags"]?.arrayValue?.contains("charm.run_id:run-bad") == true })
        #expect(bad["meta"]?["error"]?["message"]?.stringValue == "model timed out")
    }

    @Test("the API key comes from DATADOG_API_KEY or DD_API_KEY, and is never in the status")
    func secrets() async throws {
        let d = ExporterRegistry()
        CharmExporters.registerBuiltins(in: d)
        #expect(throws: ExporterSetupError.missingSecret(name: "datadog", variable: "DATADOG_API_KEY")) {
            try d.make("datadog", context: ExporterContext(environment: [:]))
        }
        #expect(d.descriptor(named: "datadog")?.missingVariable(in: ["DD_API_KEY": "x"]) == nil)
        let server = try await TestHTTPServer.start()
        server.script([], then: .status(403, body: "{\"errors\":[\"bad key dd-secret-key\"]}"))
        let exporter = DatadogExporter(
            apiKey: "dd-secret-key", mlApp: "app", agentName: "a", endpointURL: server.baseURL + "/x?api_key=dd-secret-key",
            policy: Scenario.fastPolicy())
        try Scenario.play(exporter)
        _ = exporter.flush(deadline: .now + .seconds(5))
        exporter.shutdown()
        await server.stop()
        let status = exporter.status
        #expect(status.health == .failing)
        let error = try #require(status.lastError)
        #expect(error.contains("403"))
        #expect(!error.contains("dd-secret-key"))
    }
}

@Suite("langsmith exporter", .blocksThreads)
struct LangSmithExporterTests {
    @Test(
        "batch ingest validates with the langsmith SDK: ids, trace_id, parent_run_id, dotted_order",
        .oracle(.langsmith))
    func runs() async throws {
        let server = try await TestHTTPServer.start()
        let exporter = try LangSmithExporter(
            context: ExporterContext(
                environment: [
                    "LANGCHAIN_API_KEY": "ls-secret", "LANGSMITH_ENDPOINT": server.baseURL, "LANGSMITH_PROJECT": "charm-tests",
                ], configuration: CharmConfig(name: "Weather")),
            policy: Scenario.fastPolicy(maxBatchCount: 4))
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()
        let requests = server.requests
        #expect(requests.count > 1)  // batches of 4: posts and patches arrive in separate requests
        #expect(requests.allSatisfy { $0.uri == "/runs/batch" && $0.header("x-api-key") == "ls-secret" })
        let judged = try PythonJudge.judge("langsmith_validate.py", bodies: requests.map(\.content))
        let runs = judged["runs"]?.objects ?? []
        #expect(runs.count == 6)
        let byType = Dictionary(grouping: runs) { $0.string("run_type") ?? "" }
        #expect(byType["chain"]?.count == 3)
        #expect(byType["tool"]?.count == 2)
        #expect(byType["llm"]?.count == 1)
        #expect(runs.allSatisfy { $0.string("session_name") == "charm-tests" && $0["end_time"] != nil })
        let root = try #require(runs.first { $0["extra"]?["metadata"]?["charm_run_id"]?.stringValue == "run-root" && $0.string("run_type") == "chain" })
        #expect(root.string("trace_id") == root.string("id"))
        #expect(root.string("dotted_order") == "20260101T000000250000Z" + (root.string("id") ?? ""))
        let child = try #require(runs.first { $0["extra"]?["metadata"]?["charm_run_id"]?.stringValue == "run-child" && $0.string("run_type") == "chain" })
        #expect(child.string("name") == "run-child")  // a nested run is named after itself, not the agent
        #expect(child.string("parent_run_id") == root.string("id"))
        // UUIDv7, as the SDK makes: version 7, and ids ordered as the runs started.
        #expect(runs.allSatisfy { Array($0.string("id") ?? "").count == 36 && Array($0.string("id") ?? "")[14] == "7" })
        #expect((root.string("id") ?? "") < (child.string("id") ?? ""))
        #expect(child.string("trace_id") == root.string("id"))
        let calc = try #require(runs.first { $0.string("name") == "calculator" })
        #expect(calc.string("error") == "ZeroDivisionError: division by zero")
        #expect(calc["inputs"]?["input"]?.stringValue == "24*9/5+32")
    }

    @Test("a run id that is a UUID is kept as the LangSmith run id")
    func uuidKept() {
        #expect(DerivedID.uuid("0F8FAD5B-D9CB-469F-A165-70867728950E") == "0f8fad5b-d9cb-469f-a165-70867728950e")
        let derived = DerivedID.uuid("run-1")
        #expect(derived.count == 36)
        #expect(Array(derived)[14] == "5")
        #expect(derived == DerivedID.uuid("run-1"))
    }
}

@Suite("sentry exporter", .blocksThreads)
struct SentryExporterTests {
    @Test("DSN parsing and the envelope URL")
    func dsn() throws {
        let d = try #require(SentryDSN("https://abc123@o1.ingest.sentry.io/42"))
        #expect(d.envelopeURL == "https://o1.ingest.sentry.io/api/42/envelope/")
        #expect(d.authHeader.hasPrefix("Sentry sentry_version=7, sentry_client=charm-telemetry/"))
        #expect(d.authHeader.hasSuffix("sentry_key=abc123"))
        let p = try #require(SentryDSN("http://k@localhost:9000/prefix/7"))
        #expect(p.envelopeURL == "http://localhost:9000/prefix/api/7/envelope/")
        #expect(SentryDSN("not a dsn") == nil)
    }

    @Test(
        "transactions and error events parse with sentry-sdk's envelope parser",
        .oracle(.sentrySDK))
    func envelopes() async throws {
        let server = try await TestHTTPServer.start()
        let dsn = "http://publickey42@127.0.0.1:\(server.port)/7"
        let exporter = try SentryExporter(
            context: ExporterContext(environment: ["SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "test"], configuration: CharmConfig(name: "Weather")),
            policy: Scenario.fastPolicy(gzip: true))
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()
        let requests = server.requests
        #expect(requests.allSatisfy {
            $0.uri == "/api/7/envelope/" && $0.header("Content-Encoding") == "gzip"
                && $0.header("X-Sentry-Auth")?.contains("sentry_key=publickey42") == true
        })
        var events: [JSONObject] = []
        for r in requests {
            let env = try PythonJudge.judge("sentry_envelope.py", bodies: [r.content])
            for item in env["items"]?.objects ?? [] {
                #expect(item["headers"]?["length"] != nil)
                if let p = item["payload"]?.objectValue { events.append(p) }
            }
        }
        let transactions = events.filter { $0.string("type") == "transaction" }
        let errors = events.filter { $0["exception"] != nil }
        #expect(transactions.count == 3)
        #expect(errors.count == 2)
        let root = try #require(transactions.first { $0["tags"]?["charm.run_id"]?.stringValue == "run-root" })
        #expect(root.string("transaction") == "invoke_agent Weather")
        #expect(root["contexts"]?["trace"]?["op"]?.stringValue == "gen_ai.invoke_agent")
        let spans = root["spans"]?.objects ?? []
        #expect(spans.count == 3)
        let tool = try #require(spans.first { $0["data"]?["gen_ai.tool.name"]?.stringValue == "search" })
        #expect(tool.string("op") == "gen_ai.execute_tool")
        #expect(tool.string("parent_span_id") == root["contexts"]?["trace"]?["span_id"]?.stringValue)
        #expect(tool["start_timestamp"]?.doubleValue == Double(Scenario.t0 + 2 * 250_000) / 1e6)
        let child = try #require(transactions.first { $0["tags"]?["charm.run_id"]?.stringValue == "run-child" })
        #expect(child["contexts"]?["trace"]?["trace_id"] == root["contexts"]?["trace"]?["trace_id"])
        #expect(child["contexts"]?["trace"]?["parent_span_id"] == root["contexts"]?["trace"]?["span_id"])
        let toolError = try #require(errors.first { $0["tags"]?["gen_ai.tool.name"] != nil })
        #expect(toolError["exception"]?["values"]?.objects.first?.string("type") == "ZeroDivisionError")
        #expect(toolError["exception"]?["values"]?.objects.first?.string("value") == "division by zero")
        #expect(toolError["tags"]?["charm.run_id"]?.stringValue == "run-root")
        let runError = try #require(errors.first { $0["tags"]?["gen_ai.tool.name"] == nil })
        #expect(runError["exception"]?["values"]?.objects.first?.string("type") == "TimeoutError")
        // A run error failed its run (unhandled), and is labelled with the run's transaction
        // and span; a tool error was handed to the agent (handled), in the tool call's span.
        #expect(runError["exception"]?["values"]?.objects.first?["mechanism"]?["handled"] == .bool(false))
        #expect(toolError["exception"]?["values"]?.objects.first?["mechanism"]?["handled"] == .bool(true))
        let bad = try #require(transactions.first { $0["tags"]?["charm.run_id"]?.stringValue == "run-bad" })
        #expect(runError.string("transaction") == "invoke_agent Weather")
        #expect(runError["contexts"]?["trace"]?["span_id"] == bad["contexts"]?["trace"]?["span_id"])
        #expect(toolError["contexts"]?["trace"]?["parent_span_id"] == root["contexts"]?["trace"]?["span_id"])
        #expect(child.string("transaction") == "invoke_agent run-child")
        #expect(runError.string("environment") == "test")
    }

    @Test("a malformed DSN is a setup error naming the variable, without its value")
    func badDSN() {
        let error = #expect(throws: ExporterSetupError.self) {
            try SentryExporter(context: ExporterContext(environment: ["SENTRY_DSN": "nonsense-secret"]))
        }
        let text = error.map { String(describing: $0) } ?? ""
        #expect(text.contains("SENTRY_DSN"))
        #expect(!text.contains("nonsense-secret"))
    }
}
