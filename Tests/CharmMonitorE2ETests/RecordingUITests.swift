#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// The interactive monitor records by default, and `open` shows a session as it ended.
@Suite("Recording in the UI (tmux)", .blocksThreads, .serialized, .oracle(.tmux))
struct RecordingUITests {
    private static let environment = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]

    private var monitor: String {
        get throws { TmuxHarness.quote(try #require(Monitor.binary, "charm-monitor binary not found next to the tests")) }
    }

    @Test("an interactive session records to $XDG_DATA_HOME by default (● REC), and open shows it as it ended")
    func recordsByDefaultAndOpens() throws {
        let data = try Recording.folder("ui")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let env = Self.environment.merging(["XDG_DATA_HOME": data]) { $1 }
        let h = try TmuxHarness(
            command: "\(try monitor) --demo --demo-sessions 2 --demo-pace 20 --no-stdin", width: 120, height: 36, environment: env)
        try h.waitFor("● REC")
        try h.waitFor("stream ended", timeout: .seconds(30))
        try h.sendKeys("q")
        try h.waitFor("[exit 0]")
        let db = data + "/charm-monitor/sessions.sqlite"
        #expect(FileManager.default.fileExists(atPath: db))
        let sessions = try Recording.sqlite(db, "SELECT id, runs, ended_at FROM sessions")
        #expect(sessions.count == 1)
        #expect(sessions.first?[1] as? Int == 4)
        #expect(sessions.first?[2] is String)

        // open: the recorded runs, the header says which session, and nothing is recorded again.
        let o = try TmuxHarness(command: "\(try monitor) open latest", width: 120, height: 36, environment: env)
        // (Both runs waited for: a capture can fall between two draws.)
        let screen = try o.waitUntil(timeout: 15) {
            $0.contains("recorded session 1") && $0.contains("session-2") && $0.contains("session-1")
        }
        #expect(!screen.contains("● REC"))
        // ] steps through the recorded session's own entries.
        try o.sendKeys("]")
        try o.waitFor("step 1/")
        try o.sendKeys("Escape")
        try o.sendKeys("q")
        try o.waitFor("[exit 0]")
        #expect(try Recording.sqlite(db, "SELECT count(*) FROM sessions").first?.first as? Int == 1)

        // --no-record: nothing new.
        let n = try TmuxHarness(
            command: "\(try monitor) --demo --demo-sessions 1 --demo-pace 20 --no-stdin --no-record", width: 120, height: 36,
            environment: env)
        let live = try n.waitUntil(timeout: 30) { $0.contains("stream ended") }
        #expect(!live.contains("REC"))
        try n.sendKeys("q")
        try n.waitFor("[exit 0]")
        #expect(try Recording.sqlite(db, "SELECT count(*) FROM sessions").first?.first as? Int == 1)
    }

    @Test("o opens the session picker: Enter opens a session, / searches every session and Enter on a hit opens it on that run; o goes back to live")
    func sessionPicker() throws {
        let data = try Recording.folder("picker")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let db = data + "/charm-monitor/sessions.sqlite"
        // Yesterday's session: a run whose tool failed.
        let bad = try Recording.file(data, "bad.ndjson", [
            Recording.line("run_start", seq: 1, run: "bad-run", #", "parent_run_id": null, "inputs": {}"#),
            Recording.line("tool_start", seq: 2, run: "bad-run", #", "call_id": "b1", "tool_name": "db", "input": "SELECT 2""#),
            Recording.line("tool_error", seq: 3, run: "bad-run", #", "call_id": "b1", "tool_name": "db", "error": {"type": "OperationalError", "message": "connection refused (ECONNREFUSED)"}"#),
            Recording.line("run_start", seq: 4, run: "other-run", #", "parent_run_id": null, "inputs": {}"#),
        ])
        let first = try Monitor.run(["--headless", "--file", bad, "--record", db])
        #expect(first.status == 0, "\(first.stderr)")
        let env = Self.environment.merging(["XDG_DATA_HOME": data]) { $1 }
        let h = try TmuxHarness(
            command: "\(try monitor) --demo --demo-sessions 1 --demo-pace 20 --no-stdin", width: 120, height: 36, environment: env)
        try h.waitFor("stream ended", timeout: .seconds(30))
        try h.sendKeys("o")
        let list = try h.waitFor("Recorded sessions")
        #expect(list.contains("#2"), "\(list)")
        #expect(list.contains("(this session)"), "\(list)")
        #expect(list.contains("#1"), "\(list)")
        // Enter on the older session (the second row) shows it.
        try h.sendKeys("j", "Enter")
        var screen = try h.waitFor("recorded session 1")
        #expect(screen.contains("bad-run") && screen.contains("other-run"), "\(screen)")
        try h.sendKeys("o")
        screen = try h.waitUntil { !$0.contains("recorded session 1") && $0.contains("session-1") }
        // Search: the failing call's output finds its session and run.
        try h.sendKeys("o")
        try h.waitFor("Recorded sessions")
        try h.sendKeys("/")
        try h.sendKeys("econnrefused", literal: true)
        try h.sendKeys("Enter")
        screen = try h.waitFor("Search: econnrefused")
        #expect(screen.contains("#1  bad-run  tool  b1"), "\(screen)")
        try h.sendKeys("Enter")
        screen = try h.waitFor("recorded session 1")
        // The hit's run is the one selected: its calls are shown.
        #expect(screen.contains("Calls · bad-run"), "\(screen)")
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("recorded session 1") }
        try h.sendKeys("?")
        try h.waitFor("recorded sessions (/ search, o: live)")
        try h.sendKeys("Escape")
        try h.sendKeys("q")
        try h.waitFor("[exit 0]")
    }
}
