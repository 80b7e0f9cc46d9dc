import CharmTestSupport
import Foundation
import Testing

@Suite("OTLP receiver: real agent frameworks, exactly as their own spans say", .serialized)
struct OTLPReceiverTests {
    /// Runs the pydantic-ai producer against `monitor` and checks the summary's runs against
    /// the producer's in-memory oracle, field by field.
    private func pydanticAI(_ monitor: OTLPMonitor, _ extra: [String]) throws {
        let expected = try OTLPProducers.run("pydantic_ai_agents.py", ["--endpoint", monitor.httpEndpoint] + extra)
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
}
