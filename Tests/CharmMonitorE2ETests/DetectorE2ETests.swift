#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// The detectors end to end: the real binary, headless, reading what charmos's LangChain
/// callback handler writes as real LangChain tools and a streaming chat model run
/// (Tests/Fixtures/charmos_detectors.py), piped live as an agent's stdout is.
@Suite("Detectors: charm-monitor end to end", .blocksThreads, .serialized)
struct DetectorE2ETests {
    /// Small thresholds, so a stall takes a second or two, not 30.
    static let quickRules = "stall:\n  tool_seconds: 1\n  token_gap_seconds: 1\n"

    /// A file holding `text`, removed by the caller.
    static func temporary(_ text: String, _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "charm-det-\(getpid())-\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `python3 -u charmos_detectors.py --scenario S | charm-monitor --headless ARGS`: the
    /// monitor's status, summary and stderr.
    static func pipeline(_ scenario: String, _ arguments: [String], sleep: Double = 1.5) throws -> Monitor.Result {
        guard let binary = Monitor.binary else { throw MonitorError(message: "charm-monitor binary not found") }
        let script = Monitor.fixtures.appendingPathComponent("charmos_detectors.py").path
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = "python3 -u \(quote(script)) --scenario \(scenario) --sleep \(sleep) | "
            + ([binary, "--headless"] + arguments).map(quote).joined(separator: " ")
        return try Monitor.runProcess("/bin/sh", ["-c", command], timeout: 120)
    }

    static func findings(_ r: Monitor.Result) throws -> [[String: String]] {
        let list = try Monitor.summary(r)["findings"] as? [[String: Any]] ?? []
        return list.map { f in f.compactMapValues { $0 as? String } }
    }

    @Test("a looping agent: one loop finding for its run; --fail-on loop exits 3", .oracle(.charmos, .langchainCore))
    func loop() throws {
        let rules = try Self.temporary(Self.quickRules, "loop.yaml")
        defer { unlink(rules) }
        let r = try Self.pipeline("loop", ["--rules", rules, "--fail-on", "loop"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("--fail-on: loop fired"))
        let found = try Self.findings(r)
        #expect(found.count == 1)
        #expect(found.first?["rule"] == "loop")
        #expect(found.first?["run_id"] == "legacy:stdin")
        #expect(found.first?["detail"] == #"search called 3 times with the same input "weather in Paris""#)
        // The same run without the gate: the finding is reported, the exit is clean.
        let plain = try Self.pipeline("loop", ["--rules", rules])
        #expect(plain.status == 0)
        #expect(try Self.findings(plain).map { $0["rule"] } == ["loop"])
    }

    @Test("a clean agent: no finding; --fail-on with every detector exits 0", .oracle(.charmos, .langchainCore))
    func clean() throws {
        let rules = try Self.temporary(Self.quickRules, "clean.yaml")
        defer { unlink(rules) }
        let r = try Self.pipeline("clean", ["--rules", rules, "--fail-on", "loop,stall,error,budget"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.findings(r).isEmpty)
        let runs = try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []
        #expect((runs.first?["tool_calls"] as? [Any])?.count == 3)
    }

    @Test("a storm of failures: one error_storm finding; --fail-on error exits 3", .oracle(.charmos, .langchainCore))
    func storm() throws {
        let r = try Self.pipeline("storm", ["--fail-on", "error"])
        #expect(r.status == 3, "\(r.stderr)")
        let found = try Self.findings(r)
        #expect(found.map { $0["rule"] } == ["error_storm"])
        #expect(found.first?["detail"] == "5 errors within 10.0s")
        #expect(found.first?["run_id"] == "legacy:stdin")
    }

    @Test("a stalled tool and a stalled token stream, with 1 s thresholds from --rules", .oracle(.charmos, .langchainCore))
    func stall() throws {
        let rules = try Self.temporary(Self.quickRules, "stall.yaml")
        defer { unlink(rules) }
        let r = try Self.pipeline("stall", ["--rules", rules, "--fail-on", "stall"], sleep: 1.6)
        #expect(r.status == 3, "\(r.stderr)")
        let found = try Self.findings(r)
        #expect(found.map { $0["rule"] } == ["stall", "stall"])
        #expect(found.contains { $0["detail"]?.hasPrefix("slow_fetch ") == true && $0["detail"]?.contains("past its limit of 1.0s") == true })
        #expect(found.contains { $0["detail"]?.contains("no token for") == true })
        // With the default thresholds (30 s, 10 s) the same agent is no stall.
        let calm = try Self.pipeline("stall", ["--fail-on", "stall"], sleep: 1.6)
        #expect(calm.status == 0, "\(calm.stderr)")
        #expect(try Self.findings(calm).isEmpty)
    }

    @Test("charm.yaml's monitor.rules are read with --config; --rules wins over them", .oracle(.charmos, .langchainCore))
    func charmYAML() throws {
        let config = try Self.temporary("version: '0.4'\nmonitor:\n  rules:\n    loop: {repeats: 4}\n", "charm.yaml")
        let rules = try Self.temporary("loop: {repeats: 2}\n", "loop2.yaml")
        defer { unlink(config); unlink(rules) }
        let relaxed = try Self.pipeline("loop", ["--config", config, "--fail-on", "loop"])
        #expect(relaxed.status == 0, "\(relaxed.stderr)")
        #expect(try Self.findings(relaxed).isEmpty)
        let strict = try Self.pipeline("loop", ["--config", config, "--rules", rules])
        #expect(try Self.findings(strict).first?["detail"]?.hasPrefix("search called 2 times") == true)
    }

    @Test("a bad rules file or --fail-on name is a usage error (exit 2) that says what is wrong", arguments: [
        (["--rules", "/nonexistent/rules.yaml"], "/nonexistent/rules.yaml: cannot read the file"),
        (["--fail-on", "loop,loops"], "--fail-on: unknown detector 'loops'"),
        (["--fail-on", ","], "--fail-on needs at least one of"),
    ])
    func usage(arguments: [String], message: String) throws {
        let r = try Monitor.run(["--headless"] + arguments, stdin: [])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("a rules file with a misspelt key or a wrong value: exit 2 with the file and line")
    func badRulesFile() throws {
        let bad = try Self.temporary("stall:\n  tool_second: 5\n", "bad.yaml")
        let wrong = try Self.temporary("error_storm:\n  errors: lots\n", "wrong.yaml")
        defer { unlink(bad); unlink(wrong) }
        let r = try Monitor.run(["--headless", "--rules", bad], stdin: [])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(bad):2: unknown key 'tool_second' in stall"), "\(r.stderr)")
        let w = try Monitor.run(["--headless", "--rules", wrong], stdin: [])
        #expect(w.status == 2)
        #expect(w.stderr.contains("\(wrong):2: error_storm.errors must be a whole number from 1 to 1000"), "\(w.stderr)")
    }
}
