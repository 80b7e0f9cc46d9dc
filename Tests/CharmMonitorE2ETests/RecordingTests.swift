#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

@Suite("Recording: sessions to SQLite, opened again exactly, searched, queried read-only", .blocksThreads, .serialized)
struct RecordingTests {
    @Test(
        "a charmos session from the real SDK, recorded headless and opened again: the same summary, exactly",
        .oracle(.charmos, .langchainCore))
    func charmosReplaysExactly() throws {
        let dir = try Recording.folder("charmos")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        // Legacy lines (rebuilt hooks), garbage, raw prints: every kind of record.
        let stdout = try Monitor.charmosSession(framing: "stdout") + Garbage.stdout
        let r = try Monitor.run(["--headless", "--record", db], stdin: stdout)
        #expect(r.status == 0, "\(r.stderr)")
        let (original, rec) = try Recording.withoutRecording(try Monitor.summary(r))
        #expect(rec?["session_id"] as? Int == 1)
        #expect(rec?["lost"] as? Int == 0)
        #expect((rec?["recorded"] as? Int ?? 0) > 14)
        #expect(try Recording.reopened(db) == original)

        // The SSE framing, from a file (a finite source that waits), into the same database.
        let sse = dir + "/run.sse"
        try Data(try Monitor.charmosSession(framing: "sse") + Garbage.sse).write(to: URL(fileURLWithPath: sse))
        let r2 = try Monitor.run(["--headless", "--file", sse, "--record", db])
        #expect(r2.status == 0, "\(r2.stderr)")
        let (second, _) = try Recording.withoutRecording(try Monitor.summary(r2))
        #expect(try Recording.reopened(db, "2") == second)
        #expect(try Recording.reopened(db, "latest") == second)
        #expect(try Recording.reopened(db, "1") == original)
    }

    @Test(
        "an OTLP session (pydantic-ai over OTLP/HTTP) recorded and opened again: the same summary, exactly",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func otlpReplaysExactly() throws {
        let dir = try Recording.folder("otlp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let monitor = try OTLPMonitor(["--otlp-http", "127.0.0.1:0", "--record", db])
        _ = try OTLPProducers.run("pydantic_ai_agents.py", ["--endpoint", monitor.httpEndpoint])
        let r = try monitor.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try Monitor.summary(r)
        #expect((summary["runs"] as? [[String: Any]])?.count == 5)
        let (original, _) = try Recording.withoutRecording(summary)
        #expect(try Recording.reopened(db) == original)
        // The derived tables say what the summary says.
        let tools = try Recording.sqlite(db, "SELECT count(*) FROM tool_calls")
        let want = (summary["runs"] as? [[String: Any]] ?? []).reduce(0) { $0 + (($1["tool_calls"] as? [Any])?.count ?? 0) }
        #expect(tools.first?.first as? Int == want)
        let llm = try Recording.sqlite(db, "SELECT count(*) FROM llm_calls")
        let wantLLM = (summary["runs"] as? [[String: Any]] ?? []).reduce(0) { $0 + (($1["llm_calls"] as? [Any])?.count ?? 0) }
        #expect(llm.first?.first as? Int == wantLLM)
        #expect(wantLLM > 0)
    }

    @Test("kill -9 while a live stream is recorded: the database opens and holds every event but, at most, the last second's")
    func crashSafety() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try Recording.folder("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let socket = dir + "/live.sock"
        let monitor = try RunningMonitor(["--headless", "--no-stdin", "--listen", "unix:" + socket, "--record", db])
        defer { if monitor.process.isRunning { kill(monitor.pid, SIGKILL) } }
        var fd: Int32 = -1
        #expect(waitUntil { fd = connectUnixSocket(socket); return fd >= 0 })
        defer { close(fd) }
        // An event every 5 ms, each sent time noted; the monitor is killed mid-stream.
        var sent: [(seq: Int, at: Date)] = []
        let start = Date()
        var seq = 0
        var killedAt: Date?
        while Date().timeIntervalSince(start) < 6 {
            seq += 1
            let line = Recording.line("llm_new_token", seq: seq, run: "live", #", "token": "t\#(seq) ""#) + "\n"
            let ok = line.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) } ?? -1
            guard ok > 0 else { break }
            sent.append((seq, Date()))
            if killedAt == nil && Date().timeIntervalSince(start) >= 3 {
                killedAt = Date()
                kill(monitor.pid, SIGKILL)
            }
            if killedAt != nil && Date().timeIntervalSince(killedAt!) > 0.5 { break }
            usleep(5_000)
        }
        _ = try? monitor.wait(timeout: 30)
        let killed = try #require(killedAt)
        // It opens (with Python's sqlite3, read-only), and the session is there, not ended.
        let rows = try Recording.sqlite(db, "SELECT id, ended_at FROM sessions")
        #expect(rows.count == 1)
        #expect(rows.first?[1] is NSNull)
        // A line row holds the lines of one batch, as NDJSON.
        var recorded = Set<Int>()
        for row in try Recording.sqlite(db, "SELECT data FROM events WHERE kind = 'line'") {
            for line in (row.first as? String ?? "").split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let seq = (o?["telemetry"] as? [String: Any])?["seq"] as? Int { recorded.insert(seq) }
            }
        }
        let due = sent.filter { $0.at < killed.addingTimeInterval(-1) }.map(\.seq)
        #expect(due.count > 50, "a live stream of a few seconds")
        let missing = due.filter { !recorded.contains($0) }
        #expect(missing.isEmpty, "events sent more than a second before kill -9 but not recorded: \(missing.prefix(10))… of \(due.count)")
        // And it replays: the one run with every recorded token.
        let s = try Monitor.summary(try Monitor.run(["open", "--db", db, "latest", "--headless"]))
        #expect((s["runs"] as? [[String: Any]])?.first?["tokens"] as? Int == recorded.count)
    }

    @Test("the size cap prunes the oldest sessions, never the one recording, and the file shrinks back")
    func sizeCapPrunesOldest() throws {
        let dir = try Recording.folder("cap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        // About 200 KB of events per session.
        let lines = (1...1_000).map { Recording.line("llm_new_token", seq: $0, run: "r", #", "token": "\#(String(repeating: "y", count: 150))""#) }
        let file = try Recording.file(dir, "big.ndjson", lines)
        for _ in 1...6 {
            let r = try Monitor.run(["--headless", "--file", file, "--record", db, "--record-max-size", "700k"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let ids = try Recording.sqlite(db, "SELECT id FROM sessions ORDER BY id").compactMap { $0.first as? Int }
        #expect(ids.last == 6)
        #expect(!ids.contains(1), "the oldest session is kept: \(ids)")
        #expect(ids.count >= 1 && ids.count < 6)
        // Nothing of a pruned session is left behind.
        let orphans = try Recording.sqlite(db, "SELECT count(*) FROM events WHERE session_id NOT IN (SELECT id FROM sessions)")
        #expect(orphans.first?.first as? Int == 0)
        let size = (try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0
        #expect(size < 1_400_000, "the database stays near its cap: \(size) bytes")
        // The newest replays whole.
        let s = try Monitor.summary(try Monitor.run(["open", "--db", db, "latest", "--headless"]))
        #expect((s["runs"] as? [[String: Any]])?.first?["tokens"] as? Int == 1_000)
    }

    @Test("secrets never reach the database, its WAL or its shared memory: environment values, --token, key shapes")
    func secretsScrubbed() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try Recording.folder("secrets")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let socket = dir + "/live.sock"
        let envSecret = "zq-env-secret-0f9e8d7c6b"
        let token = "tok-cli-secret-5a4b3c2d1e"
        let bearer = "abcdefghijklmnop0123456789"
        let openAI = "sk-proj-AAAABBBBCCCCDDDDEEEEFFFF0000"
        let github = "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        let monitor = try RunningMonitor(
            ["--headless", "--no-stdin", "--listen", "unix:" + socket, "--record", db, "--token", token],
            environment: ["MY_SERVICE_API_KEY": envSecret])
        defer { if monitor.process.isRunning { kill(monitor.pid, SIGKILL) } }
        var fd: Int32 = -1
        #expect(waitUntil { fd = connectUnixSocket(socket); return fd >= 0 })
        let lines = [
            Recording.line("run_start", seq: 1, run: "s", #", "parent_run_id": null, "inputs": {"key": "\#(envSecret)"}"#),
            Recording.line("tool_start", seq: 2, run: "s", #", "call_id": "c1", "tool_name": "http", "input": "Authorization: Bearer \#(bearer)""#),
            Recording.line("tool_end", seq: 3, run: "s", #", "call_id": "c1", "tool_name": "http", "output": "echo \#(token) and \#(openAI)""#),
            Recording.line("llm_new_token", seq: 4, run: "s", #", "token": "\#(github)""#),
            Recording.line("error", seq: 5, run: "s", #", "error": {"type": "AuthError", "message": "bad key \#(envSecret)"}"#),
            "raw print with \(openAI) in it",
        ]
        let text = lines.joined(separator: "\n") + "\n"
        _ = text.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) }
        // Recorded (committed) while still running: the WAL holds it now.
        #expect(waitUntil(20) {
            (try? Recording.sqlite(db, "SELECT sum(n) FROM events WHERE kind IN ('line', 'raw')"))?.first?.first as? Int == 6
        })
        let secrets = [envSecret, token, bearer, openAI, github]
        func leaks() -> [String] { Recording.leaks(of: secrets, in: db) }
        #expect(leaks().isEmpty, "\(leaks())")
        #expect(FileManager.default.fileExists(atPath: db + "-wal"))
        close(fd)
        kill(monitor.pid, SIGINT)
        let r = try monitor.wait(timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(leaks().isEmpty, "\(leaks())")
        // The marker took their place, and the derived tables have it too.
        let marked = try Recording.sqlite(
            db, "SELECT sum((length(data) - length(replace(data, '[SECRET_REDACTED]', ''))) / 17) FROM events")
        #expect(marked.first?.first as? Int == 7)
        let call = try Recording.sqlite(db, "SELECT input, output FROM tool_calls")
        #expect(call.first?[0] as? String == "Authorization: Bearer [SECRET_REDACTED]")
        #expect(call.first?[1] as? String == "echo [SECRET_REDACTED] and [SECRET_REDACTED]")
        let command = try Recording.sqlite(db, "SELECT command FROM sessions")
        #expect((command.first?.first as? String)?.contains("--token [SECRET_REDACTED]") == true)
    }

    @Test("sessions --json lists each session with its id, start, sources, runs and errors; the plain listing aligns them")
    func sessionsListing() throws {
        let dir = try Recording.folder("list")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let a = try Recording.file(dir, "a.ndjson", [
            Recording.line("run_start", seq: 1, run: "a1", #", "parent_run_id": null, "inputs": {}"#),
            Recording.line("error", seq: 2, run: "a1", #", "error": {"type": "E", "message": "boom"}"#),
            Recording.line("run_start", seq: 3, run: "a2", #", "parent_run_id": null, "inputs": {}"#),
        ])
        _ = try Monitor.run(["--headless", "--file", a, "--record", db])
        _ = try Monitor.run(["--headless", "--demo", "--demo-sessions", "1", "--demo-pace", "0", "--record", db])
        let r = try Monitor.run(["sessions", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.count == 2)
        #expect(list.map { $0["id"] as? Int } == [1, 2])
        #expect(list[0]["sources"] as? [String] == ["file:\(a)"])
        #expect(list[0]["runs"] as? Int == 2)
        #expect(list[0]["errors"] as? Int == 1)
        #expect(list[1]["sources"] as? [String] == ["demo"])
        #expect((list[0]["started_at"] as? String)?.hasSuffix("Z") == true)
        #expect(list[0]["ended_at"] is String)
        let plain = try Monitor.run(["sessions", "--db", db])
        let rows = plain.stdout.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows.first?.hasPrefix("ID  STARTED") == true)
        // No database: a clear error, exit 1.
        let none = try Monitor.run(["sessions", "--db", dir + "/none.sqlite"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no such file"), "\(none.stderr)")
    }

    @Test("query runs read-only SQL (a table, or --json) and refuses every write with a clear error and exit 2")
    func queryReadOnly() throws {
        let dir = try Recording.folder("query")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        _ = try Monitor.run(["--headless", "--demo", "--demo-sessions", "2", "--demo-pace", "0", "--record", db])
        let count = try Monitor.run(["query", "--db", db, "--json", "SELECT tool_name, count(*) AS n FROM tool_calls GROUP BY tool_name ORDER BY tool_name"])
        #expect(count.status == 0, "\(count.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(count.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["tool_name"] as? String } == ["read_file", "sql_query", "web_search"])
        #expect(rows.allSatisfy { ($0["n"] as? Int ?? 0) > 0 })
        let table = try Monitor.run(["query", "--db", db, "SELECT tool_name, count(*) AS n FROM tool_calls GROUP BY tool_name ORDER BY tool_name"])
        #expect(table.stdout.split(separator: "\n").first.map(String.init) == "tool_name   n")

        let before = try Recording.sqlite(db, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM runs), (SELECT count(*) FROM sessions)")
        let writes = [
            "INSERT INTO sessions (started_at, started_us, command, limits) VALUES ('x', 1, 'x', '{}')",
            "UPDATE runs SET status = 'ok'",
            "DELETE FROM events",
            "DROP TABLE runs",
            "ATTACH DATABASE '\(dir)/other.sqlite' AS other",
            "PRAGMA user_version = 7",
            "PRAGMA journal_mode = DELETE",
            "SELECT 1; DELETE FROM runs",
            "CREATE TABLE t (x)",
            "REPLACE INTO runs (session_id, run_id) VALUES (1, 'x')",
        ]
        for sql in writes {
            let r = try Monitor.run(["query", "--db", db, sql])
            #expect(r.status == 2, "\(sql): \(r.status) \(r.stdout)")
            #expect(r.stderr.contains("refused") && r.stderr.contains("read-only"), "\(sql): \(r.stderr)")
        }
        let after = try Recording.sqlite(db, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM runs), (SELECT count(*) FROM sessions)")
        #expect(try Recording.canonical(after) == Recording.canonical(before))
        #expect(try Recording.sqlite(db, "PRAGMA user_version").first?.first as? Int == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/other.sqlite"))
        // Bad SQL: SQLite's message, exit 2.
        let bad = try Monitor.run(["query", "--db", db, "SELEC 1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("syntax error"), "\(bad.stderr)")
    }

    @Test("full-text search finds the failing tool call by words of its output, across sessions")
    func searchFindsFailingTool() throws {
        let dir = try Recording.folder("search")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let good = try Recording.file(dir, "good.ndjson", [
            Recording.line("run_start", seq: 1, run: "good-run", #", "parent_run_id": null, "inputs": {}"#),
            Recording.line("tool_start", seq: 2, run: "good-run", #", "call_id": "g1", "tool_name": "db", "input": "SELECT 1""#),
            Recording.line("tool_end", seq: 3, run: "good-run", #", "call_id": "g1", "tool_name": "db", "output": "one row""#),
        ])
        let bad = try Recording.file(dir, "bad.ndjson", [
            Recording.line("run_start", seq: 1, run: "bad-run", #", "parent_run_id": null, "inputs": {}"#),
            Recording.line("tool_start", seq: 2, run: "bad-run", #", "call_id": "b1", "tool_name": "db", "input": "SELECT 2""#),
            Recording.line("tool_error", seq: 3, run: "bad-run", #", "call_id": "b1", "tool_name": "db", "error": {"type": "OperationalError", "message": "connection to 10.0.0.7:5432 refused (ECONNREFUSED)"}"#),
            Recording.line("run_end", seq: 4, run: "bad-run", #", "outputs": {}, "status": "error""#),
        ])
        _ = try Monitor.run(["--headless", "--file", good, "--record", db])
        _ = try Monitor.run(["--headless", "--file", bad, "--record", db])
        let r = try Monitor.run(["search", "--db", db, "--json", "econnrefused 5432"])
        #expect(r.status == 0, "\(r.stderr)")
        let hits = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        let tool = hits.first { $0["kind"] as? String == "tool" }
        #expect(tool?["session_id"] as? Int == 2)
        #expect(tool?["run_id"] as? String == "bad-run")
        #expect(tool?["call_id"] as? String == "b1")
        #expect((tool?["snippet"] as? String)?.contains("[ECONNREFUSED]") == true, "\(hits)")
        #expect(hits.contains { $0["kind"] as? String == "error" })
        #expect(!hits.contains { $0["run_id"] as? String == "good-run" })
        // Part of a word finds it too (the trigram index), and the plain listing names it.
        let plain = try Monitor.run(["search", "--db", db, "OperationalErr"])
        #expect(plain.stdout.contains("bad-run") && plain.stdout.contains("b1"), "\(plain.stdout)")
        let none = try Monitor.run(["search", "--db", db, "nothing-like-this"])
        #expect(none.stdout.contains("no match"))
    }

    @Test("a database that cannot be used is a warning, never a reason not to run: unwritable, corrupt")
    func unusableDatabaseWarns() throws {
        let dir = try Recording.folder("bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = Array((Recording.line("llm_new_token", seq: 1, run: "r", #", "token": "x""#) + "\n").utf8)
        let corrupt = dir + "/corrupt.sqlite"
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: corrupt))
        let notDir = dir + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: notDir))
        for path in [corrupt, notDir + "/s.sqlite", dir] {
            let r = try Monitor.run(["--headless", "--record", path], stdin: input)
            #expect(r.status == 0, "\(path): \(r.stderr)")
            #expect(r.stderr.contains("not recording"), "\(path): \(r.stderr)")
            let s = try Monitor.summary(r)
            #expect(s["events"] as? Int == 1)
            #expect(s["recording"] == nil)
        }
        // --record and --no-record together: a usage error.
        let both = try Monitor.run(["--headless", "--record", dir + "/x", "--no-record"], stdin: input)
        #expect(both.status == 2)
        let size = try Monitor.run(["--headless", "--record", dir + "/x", "--record-max-size", "lots"], stdin: input)
        #expect(size.status == 2)
        #expect(size.stderr.contains("--record-max-size"))
    }

    @Test("headless records only with --record: no database appears otherwise")
    func headlessRecordsOnlyWhenAsked() throws {
        let dir = try Recording.folder("default")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = Array((Recording.line("llm_new_token", seq: 1, run: "r", #", "token": "x""#) + "\n").utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Monitor.binary))
        p.arguments = ["--headless"]
        p.environment = ProcessInfo.processInfo.environment.merging(["XDG_DATA_HOME": dir]) { $1 }
        let pipe = Pipe()
        p.standardInput = pipe
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        pipe.fileHandleForWriting.write(Data(input))
        try pipe.fileHandleForWriting.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/charm-monitor/sessions.sqlite"))
    }
}
