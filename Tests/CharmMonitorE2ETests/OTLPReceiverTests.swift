import CharmTestSupport
import Foundation
import Testing

@Suite("OTLP receiver: real agent frameworks, exactly as their own spans say", .blocksThreads, .serialized)
struct OTLPReceiverTests {
    /// Runs the pydantic-ai producer against `monitor` and checks the summary's runs against
    /// the producer's in-memory oracle, field by field.
    private func pydanticAI(_ monitor: OTLPMonitor, _ extra: [String], grpc: Bool = false) throws {
        let endpoint = grpc ? ["--endpoint", monitor.grpcEndpoint, "--protocol", "grpc"] : ["--endpoint", monitor.httpEndpoint]
        let expected = try OTLPProducers.run("pydantic_ai_agents.py", endpoint + extra)
        let r = try monitor.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []
        let want = try OTLPProducers.comparable(expected["runs"] as? [[String: Any]] ?? [])
        #expect(try OTLPProducers.comparable(runs) == want)
        // Five runs: two concurrent, one failing, a planner and the agent it nested.
        #expect((expected["runs"] as? [[String: Any]])?.count == 5)
    }

    @Test(
        "pydantic-ai over OTLP/HTTP, a request per span (children long before parents): the oracle's runs, tool and LLM calls",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func pydanticAIPerSpan() throws {
        try pydanticAI(try OTLPMonitor(["--otlp-http", "127.0.0.1:0"]), [])
    }

    @Test("pydantic-ai over OTLP/HTTP in batches, with a bearer token", .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func pydanticAIBatchedWithToken() throws {
        try pydanticAI(
            try OTLPMonitor(["--otlp-http", "127.0.0.1:0", "--token", "s3cret-token"]),
            ["--batch", "--token", "s3cret-token"])
    }

    @Test(
        "pydantic-ai over OTLP/gRPC, batched and one per span, with a bearer token",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.grpcExporter))
    func pydanticAIOverGRPC() throws {
        for extra in [["--batch"], []] {
            let monitor = try OTLPMonitor(["--otlp-grpc", "127.0.0.1:0", "--token", "grpc-token"])
            try pydanticAI(monitor, extra + ["--token", "grpc-token"], grpc: true)
        }
    }

    @Test(
        "bad input is answered per the OTLP specification, the monitor is unharmed and loses nothing valid",
        .oracle(OTLPProducers.grpcExporter, OTLPProducers.httpExporter))
    func badInput() throws {
        let monitor = try OTLPMonitor(["--otlp-http", "127.0.0.1:0", "--otlp-grpc", "127.0.0.1:0", "--token", "tok"])
        let r = try OTLPProducers.run(
            "bad_input.py", ["--http", monitor.httpEndpoint, "--grpc", "127.0.0.1:\(monitor.ports["otlp-grpc"] ?? 0)", "--token", "tok"])
        func answer(_ k: String) -> [String: Any] { r[k] as? [String: Any] ?? [:] }
        // Status, and a google.rpc.Status body the vendor's class decodes, with the code the
        // status stands for.
        let expected: [(String, Int, Int)] = [
            ("garbage_protobuf", 400, 3), ("garbage_json", 400, 3), ("wrong_content_type", 415, 3),
            ("over_limit", 413, 3), ("wrong_token", 401, 16), ("no_token", 401, 16), ("bad_gzip", 400, 3),
            ("unknown_path", 404, 12), ("get", 405, 12),
        ]
        for (k, status, code) in expected {
            #expect(answer(k)["status"] as? Int == status, "\(k): \(answer(k))")
            #expect(answer(k)["code"] as? Int == code, "\(k): \(answer(k))")
            #expect(answer(k)["undecodable"] == nil, "\(k): \(answer(k))")
        }
        #expect(answer("garbage_protobuf")["content_type"] as? String == "application/x-protobuf")
        #expect(answer("garbage_json")["content_type"] as? String == "application/json")
        #expect(answer("partial")["status"] as? Int == 200)
        #expect(answer("partial")["rejected"] as? Int == 1)
        #expect(answer("json_ok")["rejected"] as? Int == 0)
        #expect(answer("grpc_wrong_token")["code"] as? String == "UNAUTHENTICATED")
        #expect(answer("grpc_ok")["code"] as? String == "OK")

        // Every valid span arrived whole: the agent (over gRPC, last) with the tool call
        // (gzipped JSON beside a rejected span) and the model call (plain JSON) sent before it.
        let result = try monitor.stop()
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try Monitor.summary(result)["runs"] as? [[String: Any]] ?? []
        #expect(runs.count == 1)
        let run = runs.first ?? [:]
        #expect(run["run_id"] as? String == "1111111111111111")
        #expect(run["name"] as? String == "checker")
        #expect(run["status"] as? String == "ok")
        #expect(run["input_tokens"] as? Int == 120)
        #expect(run["output_tokens"] as? Int == 7)
        let tools = run["tool_calls"] as? [[String: Any]] ?? []
        #expect(tools.map { $0["tool_name"] as? String } == ["lookup"])
        #expect(tools.first?["duration_ms"] as? Double == 2.0)
        let llm = run["llm_calls"] as? [[String: Any]] ?? []
        #expect(llm.map { $0["model"] as? String } == ["gpt-x"])
        #expect(llm.first?["duration_ms"] as? Double == 4.0)
    }

    @Test(
        "one pipeline: a pydantic-ai run received over OTLP goes on through the monitor's OTLP exporter, whole (names, nesting, tool and LLM calls with tokens)",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func receivedRunsAreExported() throws {
        // B receives what A exports; A receives the agents.
        let b = try OTLPMonitor(["--otlp-http", "127.0.0.1:0"])
        let a = try OTLPMonitor(
            ["--otlp-http", "127.0.0.1:0", "--exporters", "otlp"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": b.httpEndpoint, "OTEL_SERVICE_NAME": "relay"])
        _ = try OTLPProducers.run("pydantic_ai_agents.py", ["--endpoint", a.httpEndpoint])
        let ra = try a.stop()
        #expect(ra.status == 0, "\(ra.stderr)")
        let rb = try b.stop()
        #expect(rb.status == 0, "\(rb.stderr)")
        /// Each run as its name, its parent's name, its calls: what must survive the relay
        /// (ids are the exporter's own).
        func shape(_ r: Monitor.Result) throws -> [String] {
            let runs = try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []
            let names = Dictionary(runs.map { ($0["run_id"] as? String ?? "", $0["name"] as? String ?? "?") }) { a, _ in a }
            return runs.map { run in
                let parent = (run["parent_run_id"] as? String).map { names[$0] ?? "?" } ?? "-"
                let tools = (run["tool_calls"] as? [[String: Any]] ?? []).map {
                    "\($0["tool_name"] ?? "")/\($0["status"] ?? "")/\($0["duration_ms"] ?? "")"
                }
                let llm = (run["llm_calls"] as? [[String: Any]] ?? []).map {
                    "\($0["model"] ?? "")/\($0["input_tokens"] ?? "")/\($0["output_tokens"] ?? "")/\($0["status"] ?? "")/\($0["duration_ms"] ?? "")"
                }
                return "\(run["name"] ?? "") under \(parent) \(run["status"] ?? ""): tools \(tools) llm \(llm)"
            }.sorted()
        }
        let sent = try shape(ra)
        #expect(sent.count == 5)
        #expect(try shape(rb) == sent)
    }

    @Test("receiver flags: a remote address needs --allow-remote and --token, a bad address or price file is a usage error, a taken port exits 1", arguments: [
        (["--otlp-http", "0.0.0.0:0"], "--allow-remote and --token"),
        (["--otlp-grpc", "10.1.2.3:4317", "--allow-remote"], "--allow-remote and --token"),
        (["--otlp-http", "127.0.0.1"], "expected HOST:PORT"),
        (["--otlp-grpc", "127.0.0.1:70000"], "expected HOST:PORT"),
        (["--otlp", "--prices", "/nonexistent/prices.yaml"], "prices.yaml"),
    ])
    func flags(arguments: [String], message: String) throws {
        let r = try Monitor.run(["--headless", "--no-stdin"] + arguments, timeout: 30)
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }

    @Test("a port already taken: the receiver says so and headless ends at once with exit 1")
    func portTaken() throws {
        let first = try OTLPMonitor(["--otlp-http", "127.0.0.1:0"])
        let port = first.ports["otlp-http"] ?? 0
        let second = try Monitor.run(["--headless", "--no-stdin", "--otlp-http", "127.0.0.1:\(port)"], timeout: 30)
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.stderr.contains("otlp-http 127.0.0.1:\(port): cannot listen"), "\(second.stderr)")
        #expect(try first.stop().status == 0)
    }
}
