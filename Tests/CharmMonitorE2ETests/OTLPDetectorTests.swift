#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// The detectors on OTLP input: real LangChain agents under OpenLLMetry
/// (Tests/Fixtures/otlp/langchain_detectors.py) exported to charm-monitor --headless --otlp.
@Suite("Detectors on OTLP input", .blocksThreads, .serialized)
struct OTLPDetectorTests {
    /// Runs the producer against a monitor started with `extra`; the summary and status.
    func scenario(_ extra: [String]) throws -> (summary: [String: Any], status: Int32, stderr: String, oracle: [[String: Any]]) {
        let monitor = try OTLPMonitor(["--otlp-http", "127.0.0.1:0"] + extra)
        let expected = try OTLPProducers.run("langchain_detectors.py", OTLPProducers.endpoint(monitor, grpc: false))
        let r = try monitor.stop()
        return (try Monitor.summary(r), r.status, r.stderr, expected["runs"] as? [[String: Any]] ?? [])
    }

    @Test(
        "a looping, a stalled, a storming and a calm LangChain agent over OTLP/HTTP: each finding on its own run, none on the calm one",
        .oracle(OTLPProducers.langChain, OTLPProducers.openLLMetryLangChain, OTLPProducers.httpExporter))
    func findings() throws {
        let rules = NSTemporaryDirectory() + "charm-otlp-rules-\(getpid()).yaml"
        try Data("stall: {tool_seconds: 1}\n".utf8).write(to: URL(fileURLWithPath: rules))
        defer { unlink(rules) }
        let (summary, status, stderr, oracle) = try scenario(["--rules", rules, "--fail-on", "loop"])
        #expect(status == 3, "\(stderr)")
        let runs = summary["runs"] as? [[String: Any]] ?? []
        // The runs are the oracle's: what the detectors judged is what the producer sent.
        #expect(try OTLPProducers.comparable(runs) == OTLPProducers.comparable(oracle))
        var names: [String: String] = [:]
        for r in runs { if let id = r["run_id"] as? String, let name = r["name"] as? String { names[id] = name } }
        let found = (summary["findings"] as? [[String: Any]] ?? []).map { f in
            (rule: f["rule"] as? String ?? "", run: names[f["run_id"] as? String ?? ""] ?? "?", detail: f["detail"] as? String ?? "")
        }
        #expect(found.filter { $0.run == "looper" }.map(\.rule) == ["loop"])
        #expect(found.first { $0.run == "looper" }?.detail == #"get_weather called 3 times with the same input "{'city': 'Paris'}""#)
        #expect(found.filter { $0.run == "sleeper" }.map(\.rule) == ["stall"])
        #expect(found.first { $0.run == "sleeper" }?.detail.hasPrefix("slow_fetch ran for 1.") == true)
        // Five failed retries of one lookup: a storm, and the same call over and over.
        #expect(Set(found.filter { $0.run == "stormy" }.map(\.rule)) == ["error_storm", "loop"])
        #expect(found.filter { $0.run == "calm" }.isEmpty)
        #expect(found.count == 4)
    }

    @Test(
        "the same agents with the default thresholds: the 1.5 s tool is no stall, and --fail-on stall exits 0",
        .oracle(OTLPProducers.langChain, OTLPProducers.openLLMetryLangChain, OTLPProducers.httpExporter))
    func defaults() throws {
        let (summary, status, stderr, _) = try scenario(["--fail-on", "stall,budget"])
        #expect(status == 0, "\(stderr)")
        let rules = (summary["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(!rules.contains("stall"))
        #expect(rules.sorted() == ["error_storm", "loop", "loop"])
    }
}
