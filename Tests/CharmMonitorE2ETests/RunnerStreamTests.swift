import Foundation
import CharmTestSupport
import Testing

/// charmos 0.5.2's own Docker runner (`DockerBackend.stream_logs`, only the engine faked)
/// is the oracle for what the monitor receives from Charm's runner.
@Suite("Charm's runner stream, end to end", .blocksThreads, .oracle(.charmosRunner, .langchainCore))
struct RunnerStreamTests {
    static func runnerOutput(_ arguments: [String] = []) throws -> [UInt8] {
        let script = Monitor.fixtures.appendingPathComponent("charmos_runner.py").path
        let r = try Monitor.runProcess("/usr/bin/env", ["python3", script] + arguments)
        guard r.status == 0 else { throw MonitorError(message: "charmos_runner.py failed: \(r.stderr)") }
        return Array(r.stdout.utf8)
    }

    @Test("the runner's SSE: one run, ended in error with exit code 137, its artifact, heartbeats, secrets redacted")
    func runnerSSE() throws {
        let sse = try Self.runnerOutput()
        let text = String(decoding: sse, as: UTF8.self)
        #expect(text.contains("Execution Failed (Code 137)."), "the oracle changed: \(text)")
        #expect(!text.contains("sk-test-0123456789abcdef"))
        let r = try Monitor.run(["--headless"], stdin: sse)
        #expect(r.status == 0, "\(r.stderr)")
        let s = try Monitor.summary(r)
        #expect(s["heartbeats"] as? Int == 3)
        #expect(s["malformed"] as? Int == 0)
        let runs = try #require(s["runs"] as? [[String: Any]])
        #expect(runs.count == 1, "\(runs)")
        let run = try #require(runs.first)
        #expect(run["status"] as? String == "error")
        #expect(run["exit_code"] as? Int == 137)
        let artifacts = try #require(run["artifacts"] as? [[String: Any]])
        #expect(artifacts.map { $0["name"] as? String } == ["out/report.pdf"])
        #expect(artifacts.first?["location"] as? String == "/app/agent_code/out/report.pdf")
        #expect(artifacts.first?["mime"] as? String == "application/pdf")
        #expect((run["tool_calls"] as? [[String: Any]])?.map { $0["tool_name"] as? String } == ["fetch"])
        #expect(run["text"] as? String == "Working on it")
        #expect(!r.stdout.contains("sk-test-0123456789abcdef"))
    }

    @Test("the container's stdout (before the runner): the exit code and artifact from its own lines")
    func containerStdout() throws {
        let stdout = try Self.runnerOutput(["--container-stdout", "--exit-code", "3"])
        let s = try Monitor.summary(try Monitor.run(["--headless"], stdin: stdout))
        #expect(s["heartbeats"] as? Int == 3)
        let runs = try #require(s["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs.first?["status"] as? String == "error")
        #expect(runs.first?["exit_code"] as? Int == 3)
        #expect((runs.first?["artifacts"] as? [[String: Any]])?.count == 1)
    }
}
