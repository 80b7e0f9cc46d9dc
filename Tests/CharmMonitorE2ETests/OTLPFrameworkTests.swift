#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

@Suite("OTLP receiver: the OpenAI Agents SDK and LangChain, and many producers at once, exactly as their spans say", .blocksThreads, .serialized)
struct OTLPFrameworkTests {
    /// Runs `script` against a monitor started with `receivers`, stops the monitor, and checks
    /// the summary's runs against the producer's in-memory oracle, field by field. Returns the
    /// oracle's runs.
    @discardableResult
    private func matches(_ script: String, _ receivers: [String], grpc: Bool, _ extra: [String] = []) throws -> [[String: Any]] {
        let monitor = try OTLPMonitor(receivers)
        let expected = try OTLPProducers.run(script, OTLPProducers.endpoint(monitor, grpc: grpc) + extra)
        let r = try monitor.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []
        let want = expected["runs"] as? [[String: Any]] ?? []
        #expect(try OTLPProducers.comparable(runs) == OTLPProducers.comparable(want))
        return want
    }

    private func named(_ runs: [[String: Any]], _ name: String) -> [[String: Any]] {
        runs.filter { $0["name"] as? String == name }
    }

    @Test(
        "OpenAI Agents SDK under OpenInference over OTLP/HTTP, a request per span: concurrent runs, a failing tool, an agent as a tool, a handoff",
        .oracle(OTLPProducers.openAIAgents, OTLPProducers.openInferenceOpenAIAgents, OTLPProducers.httpExporter))
    func openAIAgentsOverHTTP() throws {
        let runs = try matches("openai_agents.py", ["--otlp-http", "127.0.0.1:0"], grpc: false)
        // What the scenario is, so a producer that silently did less fails here: five
        // workflows (each Runner.run's trace root, an OpenInference AGENT span) around seven
        // agent runs: two weather, fragile, planner and researcher, triage and billing.
        #expect(runs.count == 12)
        #expect(named(runs, "Agent workflow").count == 5)
        #expect(named(runs, "weather").count == 2)
        let planner = try #require(named(runs, "planner").first)
        #expect(named(runs, "researcher").first?["parent_run_id"] as? String == planner["run_id"] as? String)
        let fragile = try #require(named(runs, "fragile").first)
        #expect((fragile["tool_calls"] as? [[String: Any]])?.first?["status"] as? String == "error")
        #expect(fragile["status"] as? String == "ok")
        let triage = try #require(named(runs, "triage").first)
        #expect((triage["tool_calls"] as? [[String: Any]])?.first?["tool_name"] as? String == "handoff to billing")
        #expect(named(runs, "billing").first?["parent_run_id"] as? String == triage["parent_run_id"] as? String)
        #expect(runs.allSatisfy { ($0["llm_calls"] as? [Any])?.isEmpty == ($0["name"] as? String == "Agent workflow") })
    }

    @Test(
        "OpenAI Agents SDK under OpenInference over OTLP/gRPC in batches",
        .oracle(OTLPProducers.openAIAgents, OTLPProducers.openInferenceOpenAIAgents, OTLPProducers.grpcExporter))
    func openAIAgentsOverGRPC() throws {
        let runs = try matches("openai_agents.py", ["--otlp-grpc", "127.0.0.1:0"], grpc: true, ["--batch"])
        #expect(runs.count == 12)
    }

    @Test(
        "LangChain create_agent under OpenLLMetry over OTLP/HTTP in batches: concurrent runs, a failing tool, a nested agent",
        .oracle(OTLPProducers.langChain, OTLPProducers.openLLMetryLangChain, OTLPProducers.httpExporter))
    func langChainOverHTTP() throws {
        let runs = try matches("langchain_agents.py", ["--otlp-http", "127.0.0.1:0"], grpc: false, ["--batch"])
        // One run per agent invocation: not LangGraph's graph span beside or above it.
        #expect(runs.count == 5)
        #expect(named(runs, "weather").count == 2)
        let planner = try #require(named(runs, "planner").first)
        let researcher = try #require(named(runs, "researcher").first)
        #expect(researcher["parent_run_id"] as? String == planner["run_id"] as? String)
        #expect((researcher["llm_calls"] as? [[String: Any]])?.first?["model"] as? String == "scripted-researcher")
        let fragile = try #require(named(runs, "fragile").first)
        #expect(fragile["status"] as? String == "error")
        #expect((fragile["tool_calls"] as? [[String: Any]])?.first?["status"] as? String == "error")
    }

    @Test(
        "LangChain create_agent under OpenLLMetry over OTLP/gRPC, a request per span",
        .oracle(OTLPProducers.langChain, OTLPProducers.openLLMetryLangChain, OTLPProducers.grpcExporter))
    func langChainOverGRPC() throws {
        let runs = try matches("langchain_agents.py", ["--otlp-grpc", "127.0.0.1:0"], grpc: true)
        #expect(runs.count == 5)
    }

    @Test(
        "eight pydantic-ai producer processes at once against one monitor: each one's runs match its own oracle, under its own source",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func eightProducersAtOnce() throws {
        let monitor = try OTLPMonitor(["--otlp-http", "127.0.0.1:0"])
        let count = 8
        let results = ProducerResults(count)
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            // A thread each: all eight run at once, whatever the number of cores.
            Thread.detachNewThread {
                defer { group.leave() }
                let extra = ["--service", "producer-\(i)"] + (i % 2 == 0 ? ["--batch"] : [])
                results.set(i, Result { try OTLPProducers.run("pydantic_ai_agents.py", ["--endpoint", monitor.httpEndpoint] + extra, timeout: 300) })
            }
        }
        #expect(group.wait(timeout: .now() + 360) == .success, "the producers did not finish")
        let r = try monitor.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []
        var seen = 0
        for i in 0..<count {
            let expected = try results.get(i)
            let want = expected["runs"] as? [[String: Any]] ?? []
            #expect(want.count == 5)
            let ids = Set(want.compactMap { $0["run_id"] as? String })
            let mine = runs.filter { ids.contains($0["run_id"] as? String ?? "") }
            #expect(try OTLPProducers.comparable(mine) == OTLPProducers.comparable(want), "producer-\(i)")
            #expect(mine.allSatisfy { $0["source"] as? String == "otlp:producer-\(i)" }, "producer-\(i)")
            seen += mine.count
        }
        // Nothing else: no run lost, split or made up.
        #expect(runs.count == seen)
        #expect(seen == 5 * count)
    }
}

/// Each producer's result, set from its own thread.
private final class ProducerResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<[String: Any], any Error>?]

    init(_ count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<[String: Any], any Error>) {
        lock.lock()
        results[i] = r
        lock.unlock()
    }

    func get(_ i: Int) throws -> [String: Any] {
        lock.lock()
        let r = results[i]
        lock.unlock()
        guard let r else { throw MonitorError(message: "producer \(i) did not finish") }
        return try r.get()
    }
}
