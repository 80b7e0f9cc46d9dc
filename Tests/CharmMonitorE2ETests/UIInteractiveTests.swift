#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import CharmTestSupport
import Testing

/// The real `charm-monitor` binary under tmux: what a user sees and types. Serialized,
/// because two cores cannot run several monitors at demo pace and keep timings honest.
@Suite(
    "UI end to end (tmux)", .blocksThreads, .serialized,
    .oracle(.tmux))
struct UIInteractiveTests {
    /// The built binary, quoted for sh.
    private var monitor: String {
        get throws {
            let path = try #require(Monitor.binary, "charm-monitor binary not found next to the tests")
            return TmuxHarness.quote(path)
        }
    }

    private static let environment = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]

    /// The monitor on the in-process demo agent in a 120×36 pane.
    private func demo(extra: String = "", environment: [String: String] = [:]) throws -> TmuxHarness {
        let command = "\(try monitor) --demo --demo-pace 5 --no-stdin \(extra)"
        return try TmuxHarness(
            command: command, width: 120, height: 36,
            environment: Self.environment.merging(environment) { $1 })
    }

    /// Waits until the demo has drawn a tool call bar.
    private func waitForDemo(_ h: TmuxHarness) throws {
        try h.waitUntil(timeout: 15) { $0.contains("━") && $0.contains("Calls · ") }
    }

    @Test("the demo draws every pane, and q leaves a sane terminal")
    func demoDrawsEveryPane() throws {
        let h = try demo()
        let screen = try h.waitUntil(timeout: 15) { s in
            s.contains("Runs") && s.contains("Calls · ") && s.contains("Tokens") && s.contains("Errors")
                && s.contains("━") && (s.contains("●") || s.contains("✓"))
        }
        #expect(screen.contains("charm-monitor"))
        #expect(screen.contains("demo open"))
        #expect(screen.contains("q quit"))
        try h.sendKeys("l")
        try h.waitFor("─ Log ")
        try h.sendKeys("e")
        try h.waitFor("Exporters")
        try h.sendKeys("?")
        try h.waitFor("any key closes")
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("any key closes") }
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
        try h.waitFor("[exit 0]")
    }

    @Test("navigation and the tool-call detail view")
    func navigationAndDetail() throws {
        let h = try demo()
        try waitForDemo(h)
        // The first session's planner (the second row) → Enter (its calls) → g (first
        // call) → Enter (detail).
        try h.sendKeys("g", "j", "Enter", "g", "Enter")
        try h.waitFor("── input ──")
        // The call may still be running when it is opened; the view fills in when it ends.
        let screen = try h.waitUntil(timeout: 15) { $0.contains("── output ──") || $0.contains("── error ──") }
        #expect(screen.contains("Tool call ·"))
        #expect(screen.contains("── input ──"))
        try h.sendKeys("j", "j", "Escape")
        try h.waitUntil { !$0.contains("── input ──") && $0.contains("Calls · ") }
        try h.sendKeys("Tab", "Tab", "Tab")
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }

    @Test("the filter narrows the runs and shows in the header")
    func filter() throws {
        let h = try demo()
        try waitForDemo(h)
        try h.sendKeys("/")
        try h.waitFor("filter:")
        try h.sendKeys("no-such-run-xyz", literal: true)
        try h.sendKeys("Enter")
        let screen = try h.waitFor("no run matches")
        #expect(screen.contains("filter no-such-run-xyz"))
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("no run matches") }
        try h.sendKeys("q")
        _ = try h.sttyAfterExit()
    }

    @Test("toggling the jsonl exporter: the file grows only while it is on")
    func exporterToggle() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("charm-ui-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let h = try demo(environment: ["CHARM_TELEMETRY_JSONL_PATH": out])
        try waitForDemo(h)
        try h.sendKeys("e")
        let panel = try h.waitUntil { $0.contains("Exporters") && $0.contains(" jsonl") }
        // Rows are listed top to bottom; move the selection down to jsonl's row.
        let rows = panel.split(separator: "\n").filter { $0.contains("[ ] ") || $0.contains("[x] ") }
        let index = try #require(rows.firstIndex { $0.contains(" jsonl") })
        for _ in 0..<index { try h.sendKeys("j") }
        #expect(fileSize(out) == 0)
        try h.sendKeys("Space")
        try h.waitFor("[x] jsonl")
        #expect(waitUntil(timeout: 10) { fileSize(out) > 0 }, "jsonl never wrote while on")
        try h.sendKeys("Space")
        try h.waitFor("[ ] jsonl")
        usleep(500_000)  // what was queued before the switch drains
        let stopped = fileSize(out)
        usleep(1_500_000)
        #expect(fileSize(out) == stopped, "the file kept growing after the exporter was switched off")
        try h.sendKeys("q")
        _ = try h.sttyAfterExit()
    }

    @Test("a resize re-lays out at once; too small says so")
    func resize() throws {
        let h = try demo()
        try waitForDemo(h)
        try h.resize(width: 90, height: 28)
        try h.waitUntil { s in s.split(separator: "\n").contains { $0.contains("┐┌") && $0.count == 90 } }
        try h.resize(width: 50, height: 12)
        try h.waitFor("terminal too small (50×12, need 60×16)")
        try h.resize(width: 120, height: 36)
        try h.waitUntil { s in s.split(separator: "\n").contains { $0.contains("┐┌") && $0.count == 120 } }
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }

    @Test("pause freezes the view and counts what was not seen")
    func pause() throws {
        let h = try demo()
        try waitForDemo(h)
        try h.sendKeys("p")
        try h.waitUntil { $0.range(of: #"PAUSED \+[1-9]"#, options: .regularExpression) != nil }
        try h.sendKeys("p")
        try h.waitUntil { !$0.contains("PAUSED") }
        try h.sendKeys("q")
        _ = try h.sttyAfterExit()
    }

    @Test("SIGTERM, SIGHUP and SIGINT leave the terminal sane", arguments: ["TERM", "HUP", "INT"])
    func signals(signal: String) throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("charm-ui-\(getpid())-\(signal).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let inner = "echo $$ > \(TmuxHarness.quote(pidFile)); exec \(try monitor) --demo --demo-pace 5 --no-stdin"
        let h = try TmuxHarness(command: "sh -c \(TmuxHarness.quote(inner))", width: 120, height: 36, environment: Self.environment)
        try waitForDemo(h)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        let (number, status): (Int32, Int32) =
            switch signal {
            case "TERM": (SIGTERM, 143)
            case "HUP": (SIGHUP, 129)
            default: (SIGINT, 130)
            }
        kill(pid, number)
        let stty = try h.sttyAfterExit()
        #expect(TmuxHarness.isSane(stty: stty), "\(stty)")
        try h.waitFor("[exit \(status)]")
    }

    @Test("a broken theme file is reported with its file and line, and the default is used")
    func brokenTheme() throws {
        let theme = FileManager.default.temporaryDirectory.appendingPathComponent("charm-ui-\(getpid())-broken.yaml").path
        defer { try? FileManager.default.removeItem(atPath: theme) }
        try "name: broken\nstyles:\n  text: {fg: nonsense}\n".write(toFile: theme, atomically: true, encoding: .utf8)
        let h = try demo(extra: "--theme \(TmuxHarness.quote(theme))")
        try waitForDemo(h)
        try h.sendKeys("t")
        try h.waitFor("theme: ")
        try h.sendKeys("q")
        _ = try h.sttyAfterExit()
        // Printed before the screen was taken, so it is still there after quitting.
        // The line may wrap at the pane's edge: read the screen as one string.
        let screen = try h.waitFor("[exit 0]").replacingOccurrences(of: "\n", with: "")
        #expect(screen.contains("broken.yaml:3:14"), "\(screen)")
        #expect(screen.contains("using the default theme"))
    }

    @Test("events piped into stdin, keys from the terminal")
    func pipedStdin() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("charm-ui-\(getpid()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Self.sampleLines(run: "piped-run").write(toFile: file, atomically: true, encoding: .utf8)
        let h = try TmuxHarness(
            command: "cat \(TmuxHarness.quote(file)) | \(try monitor)", width: 120, height: 36, environment: Self.environment)
        try h.waitUntil(timeout: 15) { $0.contains("piped-run") && $0.contains("stream ended") }
        // The call's output "晴れ ☀️" (U+2600 U+FE0F, two cells): the sun is drawn as itself,
        // never as a replacement character, and the CJK before it stays in place.
        try h.sendKeys("g", "Enter", "g", "Enter")
        let detail = try h.waitFor("── output ──")
        #expect(detail.contains("晴れ ☀"), "\(detail)")
        #expect(!detail.contains("\u{FFFD}"))
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("── output ──") }
        try h.sendKeys("?")
        try h.waitFor("any key closes")
        try h.sendKeys("Escape", "q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }

    @Test("a producer connecting to --listen unix: appears while the UI runs")
    func unixSocketProducer() throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("charm-ui-\(getpid()).sock").path
        defer { try? FileManager.default.removeItem(atPath: socket) }
        let h = try TmuxHarness(
            command: "\(try monitor) --no-stdin --listen \(TmuxHarness.quote("unix:" + socket))", width: 120, height: 36,
            environment: Self.environment)
        try h.waitUntil(timeout: 15) { $0.contains("Runs") }
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(sys.argv[2].encode())
            s.close()
            """
        let result = try Monitor.runProcess(
            "/usr/bin/env", ["python3", "-c", script, socket, Self.sampleLines(run: "socket-run")], timeout: 10)
        #expect(result.status == 0, "\(result.stderr)")
        try h.waitUntil { $0.contains("socket-run") && $0.contains("unix:") }
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }

    // MARK: Helpers

    /// A short session in our NDJSON form: a run with a tool call and a few tokens.
    static func sampleLines(run: String) -> String {
        var lines: [String] = []
        var seq = 0
        func line(_ type: String, _ hook: String, _ extra: String) {
            seq += 1
            let ts = "2026-11-25T08:00:0\(min(seq, 9)).000000Z"
            lines.append(#"{"type": "\#(type)", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "\#(ts)", "run_id": "\#(run)"\#(extra)}}"#)
        }
        line("status", "run_start", #", "parent_run_id": null, "inputs": {}"#)
        line("tool_usage", "tool_start", #", "call_id": "c1", "tool_name": "web_search", "input": "{\"query\": \"東京\"}""#)
        line("tool_usage", "tool_end", #", "call_id": "c1", "tool_name": "web_search", "output": "晴れ ☀️""#)
        for token in ["Hello", " world"] { line("delta", "llm_new_token", #", "token": "\#(token)""#) }
        line("final", "run_end", #", "outputs": {}, "status": "ok""#)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension TmuxHarness {
    /// Polls the screen every 50 ms until `predicate` holds; returns that screen, or
    /// throws with the last screen when `timeout` seconds pass.
    @discardableResult
    func waitUntil(timeout: Double = 10, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if predicate(screen) { return try settled(screen, predicate) }
            usleep(50_000)
        }
        throw Failure(description: "timed out after \(timeout)s; screen was:\n\(screen)")
    }
}

/// The size of a file, 0 when it does not exist.
func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
