#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

@Suite("Recording: pruning never deletes another monitor's live session", .blocksThreads, .serialized)
struct RecordingPruneTests {
    @Test("two writers on one file, a 1-byte cap: the live session survives; a stale one and orphaned rows go")
    func twoWriters() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try Recording.folder("prune-live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let socket = dir + "/live.sock"
        // Writer A: a live session, still recording.
        let a = try RunningMonitor(["--headless", "--no-stdin", "--listen", "unix:" + socket, "--record", db])
        defer { if a.process.isRunning { kill(a.pid, SIGKILL) } }
        var fd: Int32 = -1
        #expect(waitUntil { fd = connectUnixSocket(socket); return fd >= 0 })
        let text = (1...20).map { Recording.line("llm_new_token", seq: $0, run: "live", #", "token": "t\#($0) ""#) }.joined(separator: "\n") + "\n"
        _ = text.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) }
        #expect(waitUntil(20) {
            (try? Recording.sqlite(db, "SELECT sum(n) FROM events WHERE kind = 'line'"))?.first?.first as? Int == 20
        })
        let liveID = try Recording.sqlite(db, "SELECT id FROM sessions").first?.first as? Int
        // A session whose monitor died long ago (not ended, heartbeat two minutes old), and
        // rows whose session no longer exists.
        try Recording.execute(db, """
            INSERT INTO sessions (started_at, started_us, command, limits, heartbeat_us) VALUES ('x', 1, 'dead', '{}', \(Int(Date().timeIntervalSince1970 * 1e6) - 120_000_000));
            INSERT INTO events (session_id, at_us, source, kind, n, data) VALUES (424242, 1, 'x', 'raw', 1, 'orphan');
            """)
        // Writer B starts with a cap nothing fits in: it prunes everything it may.
        let file = try Recording.file(dir, "b.ndjson", [Recording.line("run_start", seq: 1, run: "b", #", "parent_run_id": null"#)])
        let b = try Monitor.run(["--headless", "--file", file, "--record", db, "--record-max-size", "1"])
        #expect(b.status == 0, "\(b.stderr)")
        let sessions = try Recording.sqlite(db, "SELECT id, command FROM sessions ORDER BY id").map { $0[0] as? Int }
        #expect(sessions.contains(liveID), "A's live session was pruned: \(sessions)")
        #expect(try Recording.sqlite(db, "SELECT count(*) FROM sessions WHERE command = 'dead'").first?.first as? Int == 0)
        #expect(try Recording.sqlite(db, "SELECT count(*) FROM events WHERE session_id = 424242").first?.first as? Int == 0)
        // A goes on recording into a session that still exists, and ends it.
        let more = (21...30).map { Recording.line("llm_new_token", seq: $0, run: "live", #", "token": "t\#($0) ""#) }.joined(separator: "\n") + "\n"
        _ = more.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) }
        // Read and committed before the interrupt (a signal may come before the listener reads).
        #expect(waitUntil(20) {
            (try? Recording.sqlite(db, "SELECT sum(n) FROM events WHERE kind = 'line' AND session_id = \(liveID ?? -1)"))?.first?.first as? Int == 30
        })
        close(fd)
        kill(a.pid, SIGINT)
        let r = try a.wait(timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        let ended = try Recording.sqlite(
            db, "SELECT ended_us IS NOT NULL, (SELECT sum(n) FROM events WHERE kind = 'line' AND session_id = s.id) FROM sessions s WHERE id = \(liveID ?? -1)"
        ).first
        #expect(ended?[0] as? Int == 1)
        #expect(ended?[1] as? Int == 30)
    }
}

@Suite("Recording: a database written by a newer schema is refused", .blocksThreads, .serialized)
struct RecordingNewerSchemaTests {
    @Test("a grdb_migrations row this version does not know: --record warns and records nothing into it")
    func newerSchemaRefused() throws {
        let dir = try Recording.folder("newer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let file = try Recording.file(dir, "a.ndjson", [Recording.line("run_start", seq: 1, run: "a", #", "parent_run_id": null"#)])
        let first = try Monitor.run(["--headless", "--file", file, "--record", db])
        #expect(first.status == 0, "\(first.stderr)")
        try Recording.execute(db, "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        let second = try Monitor.run(["--headless", "--file", file, "--record", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("newer charm-monitor"), "\(second.stderr)")
        #expect(try Recording.sqlite(db, "SELECT count(*) FROM sessions").first?.first as? Int == 1)
    }
}

extension Recording {
    /// Runs `sql` (a script) against `db` with Python's sqlite3, writing.
    static func execute(_ db: String, _ sql: String) throws {
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], timeout=10)
            c.executescript(sys.argv[2])
            c.commit()
            """
        let r = try Monitor.runProcess("/usr/bin/env", ["python3", "-c", script, db, sql])
        guard r.status == 0 else { throw MonitorError(message: "sqlite3 on \(db): \(r.stderr)") }
    }
}
