import Foundation
import CharmTestSupport
import Testing

/// The command line as a new user meets it: help and version never crash, every subcommand
/// explains itself, and an agent piped into a reader that goes away lives on.
@Suite("Command line", .blocksThreads)
struct CLITests {
    static let helpInvocations: [[String]] = [
        ["--help"], ["-h"], ["help"], ["watch", "--help"], ["help", "watch"], ["watch", "-h"],
        ["plugin", "--help"], ["help", "plugin"], ["plugin", "new", "--help"], ["plugin", "validate", "--help"],
        ["plugin", "list", "--help"], ["help", "plugin", "new"], ["diff", "--help"], ["help", "diff"],
    ]

    @Test("help of the root and of every subcommand exits 0 with usage", arguments: helpInvocations)
    func help(arguments: [String]) throws {
        let r = try Monitor.run(arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        #expect(r.stdout.contains("USAGE: charm-monitor"), "\(arguments): \(r.stdout)")
        #expect(r.stderr.isEmpty, "\(arguments): \(r.stderr)")
    }

    @Test("the root's help lists its subcommands and the watch command's help its options")
    func helpContents() throws {
        let root = try Monitor.run(["--help"])
        #expect(root.stdout.contains("watch (default)") && root.stdout.contains("plugin") && root.stdout.contains("diff"))
        let watch = try Monitor.run(["watch", "--help"])
        for option in ["--headless", "--file", "--follow", "--replay", "--listen", "--sse", "--demo", "--exporters"] {
            #expect(watch.stdout.contains(option), "watch --help lacks \(option)")
        }
    }

    @Test("--version prints the package version")
    func version() throws {
        let source = try String(
            contentsOf: Monitor.packageRoot.appendingPathComponent("Sources/CharmTelemetry/Version/CharmTelemetryVersion.swift"),
            encoding: .utf8)
        let declared = try #require(source.firstMatch(of: /string = "([0-9]+\.[0-9]+\.[0-9]+)"/)).1
        let r = try Monitor.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout == "\(declared)\n")
        let demo = try Monitor.runProcess(try Monitor.sibling("charm-demo"), ["--version"])
        #expect(demo.status == 0 && demo.stdout == "\(declared)\n")
    }

    @Test("a usage error exits 2 and names the problem; the watch command is the default")
    func usageErrors() throws {
        let unknown = try Monitor.run(["--bogus"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Unknown option '--bogus'"))
        let noSource = try Monitor.run([])
        #expect(noSource.status == 2)
        #expect(noSource.stderr.contains("no sources"))
        let explicit = try Monitor.run(["watch", "--headless", "--demo", "--demo-sessions", "1", "--demo-pace", "0"])
        #expect(explicit.status == 0, "\(explicit.stderr)")
        #expect(explicit.stdout.contains("\"runs\""))
    }

    @Test("an agent piped into a reader that closes after one line finishes its work and exits 0")
    func agentSurvivesItsReaderGoingAway() throws {
        let demo = try Monitor.sibling("charm-demo")
        let arguments = ["--pace", "0", "--sessions", "100", "--stats"]
        // The same agent writing to /dev/null: every line taken, the count to compare with.
        let whole = try Monitor.runProcess(demo, arguments)
        #expect(whole.status == 0)
        let wholeStats = try Self.emitterStatistics(whole.stderr)
        #expect(wholeStats["dropped"] as? Int == 0)
        let events = try #require(wholeStats["delivered"] as? Int)

        let script = "\"$0\" \"$@\" 2>\"$STATS\" | head -n 1 >/dev/null; echo \"${PIPESTATUS[0]}\""
        let stats = FileManager.default.temporaryDirectory.appendingPathComponent("charm-demo-stats-\(getpid()).json").path
        setenv("STATS", stats, 1)
        defer { unsetenv("STATS"); try? FileManager.default.removeItem(atPath: stats) }
        let piped = try Monitor.runProcess("/bin/bash", ["-c", script, demo] + arguments)
        #expect(piped.stdout == "0\n", "charm-demo | head -1 ended with status \(piped.stdout) (141 is SIGPIPE)")
        let pipedStats = try Self.emitterStatistics(try String(contentsOfFile: stats, encoding: .utf8))
        #expect(pipedStats["delivered"] as? Int == events, "the agent did not finish its work")
        let dropped = try #require(pipedStats["dropped"] as? Int)
        #expect(dropped > 0 && dropped < events)
        #expect(pipedStats["health"] as? String == "failing")
    }

    static func emitterStatistics(_ stderr: String) throws -> [String: Any] {
        for line in stderr.split(separator: "\n") {
            if let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                o["exporter"] as? String == "charm-emitter"
            {
                return o
            }
        }
        throw MonitorError(message: "no charm-emitter statistics in: \(stderr)")
    }

    @Test("a duration or speed that is infinite, huge, NaN or negative is a usage error, never a trap", arguments: [
        ["--flush-timeout", "inf"], ["--flush-timeout", "1e300"], ["--flush-timeout", "nan"], ["--flush-timeout", "-1"],
        ["--sse-timeout", "inf"], ["--sse-timeout", "0"], ["--replay", "inf"], ["--replay", "0"],
        ["--demo-pace", "1e300"], ["--max-runs", "0"],
    ])
    func durationsAreBounded(arguments: [String]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(getpid()).log").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        let r = try Monitor.run(["--headless", "--file", file] + arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status), \(r.stderr)")
        #expect(r.stderr.contains(arguments[0]), "\(arguments): \(r.stderr)")
        let demo = try Monitor.runProcess(try Monitor.sibling("charm-demo"), ["--duration", "inf"])
        #expect(demo.status != 0 && demo.status < 128, "charm-demo trapped: \(demo.status)")
    }
}
