#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// The interactive monitor records by default, and `open` shows a session as it ended.
@Suite("Recording in the UI (tmux)", .serialized, .oracle(.tmux))
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
        let screen = try o.waitUntil(timeout: 15) { $0.contains("recorded session 1") && $0.contains("session-2") }
        #expect(screen.contains("session-1"))
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
}
