#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// The tools view and findings in the real monitor under tmux: what a user sees and types.
@Suite("UI end to end (tmux): tools view and findings", .blocksThreads, .serialized, .oracle(.tmux))
struct UIToolsViewTests {
    private static let environment = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]

    /// Structured events with their own times: agent-a searches the same thing three times
    /// (a loop), fetches for 2 s and calculates; agent-b searches and fails a fetch; agent-z
    /// comes last, so it is the run selected at first.
    static func lines() -> String {
        var seq = 0
        var out: [String] = []
        func line(_ hook: String, _ run: String, at seconds: Double, _ extra: String = "") {
            seq += 1
            let ts = String(format: "2026-11-25T08:%02d:%09.6fZ", Int(seconds) / 60, seconds.truncatingRemainder(dividingBy: 60))
            out.append(#"__CHARM_EVENT__{"type": "x", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "\#(ts)", "run_id": "\#(run)"\#(extra)}}"#)
        }
        func call(_ run: String, _ id: String, _ tool: String, _ input: String, at: Double, for seconds: Double, fails: Bool = false) {
            line("tool_start", run, at: at, #", "call_id": "\#(id)", "tool_name": "\#(tool)", "input": "\#(input)""#)
            if fails {
                line("tool_error", run, at: at + seconds, #", "call_id": "\#(id)", "tool_name": "\#(tool)", "error": {"type": "HTTPError", "message": "503"}"#)
            } else {
                line("tool_end", run, at: at + seconds, #", "call_id": "\#(id)", "tool_name": "\#(tool)", "output": "ok""#)
            }
        }
        line("run_start", "agent-a", at: 0, #", "inputs": {}"#)
        for i in 0..<3 { call("agent-a", "a\(i)", "search", "weather in Paris", at: Double(i), for: 0.2) }
        call("agent-a", "a3", "fetch", "http://one.example", at: 4, for: 2)
        call("agent-a", "a4", "calc", "2+3", at: 7, for: 0.01)
        line("run_end", "agent-a", at: 8, #", "outputs": {}, "status": "ok""#)
        line("run_start", "agent-b", at: 9, #", "inputs": {}"#)
        call("agent-b", "b0", "search", "weather in Rome", at: 9, for: 0.3)
        call("agent-b", "b1", "fetch", "http://two.example", at: 10, for: 0.5, fails: true)
        line("run_end", "agent-b", at: 11, #", "outputs": {}, "status": "ok""#)
        line("run_start", "agent-z", at: 12, #", "inputs": {}"#)
        line("run_end", "agent-z", at: 13, #", "outputs": {}, "status": "ok""#)
        return out.joined(separator: "\n") + "\n"
    }

    /// The monitor reading the events from a file, in a 120×36 pane.
    private func start() throws -> (TmuxHarness, String) {
        let binary = try #require(Monitor.binary, "charm-monitor binary not found next to the tests")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("charm-tools-\(getpid()).ndjson").path
        try Self.lines().write(toFile: file, atomically: true, encoding: .utf8)
        let h = try TmuxHarness(
            command: "\(TmuxHarness.quote(binary)) --no-stdin --file \(TmuxHarness.quote(file))", width: 120, height: 36,
            environment: Self.environment)
        try h.waitFor("agent-z")
        return (h, file)
    }

    /// The rows of the tools table, top to bottom, by tool name.
    private func order(_ screen: String) -> [String] {
        screen.split(separator: "\n").compactMap { line in
            ["search", "fetch", "calc"].first { line.hasPrefix("│\($0) ") }
        }
    }

    @Test("T shows the tools view with figures; s sorts by the next column, S reverses; Enter lists calls and goes to one")
    func toolsView() throws {
        let (h, file) = try start()
        defer { unlink(file) }
        try h.sendKeys("T")
        var screen = try h.waitFor("Tools 3")
        #expect(order(screen) == ["search", "fetch", "calc"], "by calls, most first:\n\(screen)")
        let search = screen.split(separator: "\n").first { $0.hasPrefix("│search ") }.map(String.init) ?? ""
        #expect(search.contains(" 4 "), "four calls of search: \(search)")
        let fetch = screen.split(separator: "\n").first { $0.hasPrefix("│fetch ") }.map(String.init) ?? ""
        #expect(fetch.contains("50%") && fetch.contains("2.0s"), "one of two fetches failed, the longest took 2 s: \(fetch)")
        #expect(screen.contains("calls▼"))

        try h.sendKeys("s")
        screen = try h.waitFor("errors▼")
        #expect(order(screen) == ["fetch", "calc", "search"], "by errors, then by name:\n\(screen)")
        try h.sendKeys("S")
        screen = try h.waitFor("errors▲")
        #expect(order(screen) == ["calc", "search", "fetch"], "fewest errors first, ties by name:\n\(screen)")
        try h.sendKeys("G", "Enter")
        screen = try h.waitFor("Calls of fetch 2")
        #expect(screen.contains("http://two.example") && screen.contains("http://one.example"))
        #expect(screen.contains("agent-b") && screen.contains("agent-a"))
        // The newest call is first: agent-b's failed fetch. Enter goes to it in its run.
        try h.sendKeys("Enter")
        screen = try h.waitFor("Calls · agent-b")
        #expect(!screen.contains("Tools 3"))
        #expect(screen.contains("jumped to call b1 in run agent-b"))
        // T again, then Esc: back to the runs.
        try h.sendKeys("T")
        try h.waitFor("Tools 3")
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("Tools 3") && $0.contains("Runs 3") }
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }

    @Test("a loop finding marks its run and shows in the errors pane; g there jumps to its run")
    func loopFinding() throws {
        let (h, file) = try start()
        defer { unlink(file) }
        var screen = try h.waitFor("loop: search called 3 times")
        #expect(screen.contains("⚑ agent-a"))
        #expect(!screen.contains("⚑ agent-b") && !screen.contains("⚑ agent-z"))
        #expect(screen.contains("finding"))
        #expect(screen.contains("Calls · agent-z"))
        // Runs → calls → tokens → errors, where the finding is the newest entry but one
        // (agent-b's tool error came after it).
        try h.sendKeys("Tab", "Tab", "Tab")
        try h.sendKeys("k", "g")
        screen = try h.waitFor("jumped to run agent-a")
        #expect(screen.contains("Calls · agent-a"))
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }
}
