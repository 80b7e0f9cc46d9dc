import Foundation
import CharmTestSupport
import Testing

/// Two scripted runs of one agent as NDJSON event lines: yesterday's good run and today's,
/// whose fetch went to another city, failed and was retried.
enum CompareFixture {
    /// A tool call: name, input, and its output or its error.
    struct Call {
        var tool: String
        var input: String
        var output: String?
        var error: String?
        var milliseconds = 300
    }

    static let good: [Call] = [
        Call(tool: "web_search", input: #"{"q": "tokyo weather", "top_k": 5}"#, output: #"{"hits": 5}"#),
        Call(tool: "fetch", input: #"{"url": "https://weather.example/tokyo"}"#, output: "sunny"),
        Call(tool: "summarise", input: "sunny", output: "It will be sunny."),
    ]

    static let bad: [Call] = [
        Call(tool: "web_search", input: #"{"q": "tokyo weather", "top_k": 5}"#, output: #"{"hits": 5}"#),
        Call(tool: "fetch", input: #"{"url": "https://weather.example/kyoto"}"#, error: "503 Service Unavailable", milliseconds: 100),
        Call(tool: "fetch", input: #"{"url": "https://weather.example/kyoto"}"#, output: "rain"),
        Call(tool: "summarise", input: "rain", output: "It will rain."),
    ]

    /// The lines of run `run` making `calls`, its events `startSecond` seconds into the day.
    static func lines(run: String, calls: [Call], startSecond: Int, status: String = "ok") -> String {
        var out: [String] = []
        var seq = 0
        var micros = Int64(startSecond) * 1_000_000
        func line(_ type: String, _ hook: String, _ extra: [String: Any], advanceMs: Int = 100) {
            seq += 1
            micros += Int64(advanceMs) * 1_000
            let seconds = micros / 1_000_000
            let ts = String(format: "2026-11-25T08:%02d:%02d.%06dZ", Int(seconds / 60), Int(seconds % 60), Int(micros % 1_000_000))
            var telemetry: [String: Any] = ["v": 1, "hook": hook, "seq": seq, "ts": ts, "run_id": run]
            telemetry.merge(extra) { $1 }
            let object: [String: Any] = ["type": type, "telemetry": telemetry]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            out.append(String(decoding: data, as: UTF8.self))
        }
        line("status", "run_start", ["parent_run_id": NSNull(), "inputs": [String: Any]()])
        for (i, call) in calls.enumerated() {
            let id = "\(run)-c\(i + 1)"
            line("tool_usage", "tool_start", ["call_id": id, "tool_name": call.tool, "input": call.input])
            if let error = call.error {
                line("error", "tool_error", ["call_id": id, "tool_name": call.tool, "error": ["type": "HTTPError", "message": error]],
                     advanceMs: call.milliseconds)
            } else {
                line("tool_usage", "tool_end", ["call_id": id, "tool_name": call.tool, "output": call.output ?? ""],
                     advanceMs: call.milliseconds)
            }
        }
        line("final", "run_end", ["outputs": [String: Any](), "status": status])
        return out.joined(separator: "\n") + "\n"
    }

    /// A run whose calls are made by a sub-run (`RUN.sub`) and itself, interleaved.
    static func tree(run: String, startSecond: Int) -> String {
        var lines = Self.lines(run: run, calls: Array(good.prefix(1)), startSecond: startSecond).split(separator: "\n").map(String.init)
        let end = lines.removeLast()  // the parent's run_end comes after its sub-run
        var sub = Self.lines(run: run + ".sub", calls: Array(good.dropFirst()), startSecond: startSecond + 5)
            .split(separator: "\n").map(String.init)
        sub[0] = sub[0].replacingOccurrences(of: #""parent_run_id":null"#, with: #""parent_run_id":"\#(run)""#)
        return (lines + sub + [end]).joined(separator: "\n") + "\n"
    }

    /// Writes `text` to a new temporary file; returns its path.
    static func write(_ text: String, name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("charm-cmp-\(getpid())-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite("charm-monitor diff (real binary)", .blocksThreads)
struct DiffCommandTests {
    @Test("two files: the aligned rows as text columns, the first divergence marked")
    func text() throws {
        let a = try CompareFixture.write(CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0), name: "a.ndjson")
        let b = try CompareFixture.write(CompareFixture.lines(run: "run-bad", calls: CompareFixture.bad, startSecond: 60), name: "b.ndjson")
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try Monitor.run(["diff", "--file", a, "--file", b, "run-good", "run-bad"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("left : run-good (\(a)) · 3 calls"), "\(r.stdout)")
        #expect(lines[1].hasPrefix("right: run-bad (\(b)) · 4 calls"))
        #expect(lines[2] == "first divergence: row 2: fetch: input changed, status ok → error")
        let rows = lines.filter { $0.range(of: #"^[ >] *\d+ [=!~+-] "#, options: .regularExpression) != nil }
        #expect(rows.count == 4, "\(r.stdout)")
        #expect(rows[0].hasPrefix("  1 = ✓ web_search") && rows[0].components(separatedBy: "web_search").count == 3)
        #expect(rows[1].hasPrefix("> 2 ~ ✓ fetch") && rows[1].contains("✗ fetch") && rows[1].hasSuffix("-200ms"))
        #expect(rows[1].contains("tokyo") && rows[1].contains("kyoto"))
        #expect(rows[2].hasPrefix("  3 + ") && rows[2].contains("✓ fetch"))
        #expect(rows[3].hasPrefix("  4 ~ ✓ summarise sunny") && rows[3].contains("✓ summarise rain"))
    }

    @Test("--json: both runs, the counts, first_divergence and every row with both calls")
    func json() throws {
        let both = CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0)
            + CompareFixture.lines(run: "run-bad", calls: CompareFixture.bad, startSecond: 60)
        let file = try CompareFixture.write(both, name: "both.ndjson")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try Monitor.run(["diff", "--file", file, "run-good", "run-bad", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let first = try #require(object["first_divergence"] as? [String: Any])
        #expect(first["row"] as? Int == 1)
        #expect(first["reason"] as? String == "input changed, status ok → error")
        let counts = try #require(object["counts"] as? [String: Int])
        #expect(counts == ["same": 1, "changed_input": 2, "only_left": 0, "only_right": 1])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.map { $0["relation"] as? String } == ["same", "changed_input", "only_right", "changed_input"])
        let left = try #require(rows[1]["left"] as? [String: Any])
        let right = try #require(rows[1]["right"] as? [String: Any])
        #expect(left["input"] as? String == #"{"url": "https://weather.example/tokyo"}"#)
        #expect(right["status"] as? String == "error" && right["error"] as? String == "HTTPError: 503 Service Unavailable")
        #expect(rows[2]["left"] is NSNull)
        #expect((rows[1]["duration_delta_s"] as? Double).map { abs($0 + 0.2) < 1e-6 } == true)
        #expect((object["left"] as? [String: Any])?["run_id"] as? String == "run-good")
    }

    @Test("a run that is not there, a file that cannot be read and --db with --file are clear errors")
    func errors() throws {
        let file = try CompareFixture.write(CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0), name: "one.ndjson")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let missingRun = try Monitor.run(["diff", "--file", file, "run-good", "run-nope"])
        #expect(missingRun.status == 1)
        #expect(missingRun.stderr.contains(#"no run "run-nope" in \#(file) (its runs: run-good)"#), "\(missingRun.stderr)")
        let missingFile = try Monitor.run(["diff", "--file", "/nonexistent/x.ndjson", "a", "b"])
        #expect(missingFile.status == 1)
        #expect(missingFile.stderr.contains("cannot read /nonexistent/x.ndjson"))
        let both = try Monitor.run(["diff", "--db", "/tmp/x.sqlite", "--file", file, "a", "b"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--db and --file cannot be used together"), "\(both.stderr)")
        #expect(!missingRun.stderr.contains("Fatal") && !missingFile.stderr.contains("Fatal"))
    }
}

@Suite("charm-monitor diff on a recording (real binary)", .blocksThreads)
struct DiffRecordingTests {
    /// A fresh database with `files` recorded in order, one headless session each.
    static func record(_ files: [String], name: String) throws -> String {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("charm-cmp-\(getpid())-\(name).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        for file in files {
            let r = try Monitor.run(["--headless", "--file", file, "--record", db])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return db
    }

    static func remove(_ paths: [String]) {
        for p in paths { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + suffix) } }
    }

    /// The rows of `diff --json` without where each run came from.
    static func rows(_ arguments: [String]) throws -> [NSDictionary] {
        let r = try Monitor.run(["diff", "--json"] + arguments)
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(object["rows"] as? [NSDictionary])
    }

    @Test("RUN_A and RUN_B from two recorded sessions: the same alignment as from the files they were recorded from")
    func fromTheRecording() throws {
        let good = try CompareFixture.write(CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0), name: "rg.ndjson")
        let bad = try CompareFixture.write(
            CompareFixture.lines(run: "run-bad", calls: CompareFixture.bad, startSecond: 60, status: "error"), name: "rb.ndjson")
        let db = try Self.record([good, bad], name: "two")
        defer { Self.remove([good, bad, db]) }
        let r = try Monitor.run(["diff", "--db", db, "run-good", "run-bad"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("left : run-good (session 1) · 3 calls"), "\(r.stdout)")
        #expect(lines[1].hasPrefix("right: run-bad (session 2) · 4 calls"))
        #expect(lines[2] == "first divergence: row 2: fetch: input changed, status ok → error")
        #expect(lines.contains { $0.hasPrefix("> 2 ~ ✓ fetch") && $0.contains("✗ fetch") })
        // The tables say what the model said: every row, call and difference alike.
        let fromDB = try Self.rows(["--db", db, "run-good", "run-bad"])
        let fromFiles = try Self.rows(["--file", good, "--file", bad, "run-good", "run-bad"])
        #expect(fromDB.count == 4)
        #expect(fromDB == fromFiles)
    }

    @Test("a run's sub-runs' calls are compared with its own, in start order, as its Calls pane shows them")
    func subRuns() throws {
        let tree = try CompareFixture.write(CompareFixture.tree(run: "run-tree", startSecond: 0), name: "tree.ndjson")
        let good = try CompareFixture.write(CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 60), name: "tg.ndjson")
        let db = try Self.record([tree, good], name: "tree")
        defer { Self.remove([tree, good, db]) }
        let fromDB = try Self.rows(["--db", db, "run-tree", "run-good"])
        #expect(fromDB.map { $0["relation"] as? String } == ["same", "same", "same"])
        #expect(fromDB.map { ($0["left"] as? NSDictionary)?["run_id"] as? String } == ["run-tree", "run-tree.sub", "run-tree.sub"])
        #expect(fromDB == (try Self.rows(["--file", tree, "--file", good, "run-tree", "run-good"])))
    }

    @Test("a run id in several sessions is ambiguous unless SESSION:RUN names one; latest and unknown ones")
    func sessionsAndAmbiguity() throws {
        let good = try CompareFixture.write(CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0), name: "ag.ndjson")
        let bad = try CompareFixture.write(
            CompareFixture.lines(run: "run-bad", calls: CompareFixture.bad, startSecond: 60, status: "error"), name: "ab.ndjson")
        let db = try Self.record([good, bad, good], name: "amb")
        defer { Self.remove([good, bad, db]) }
        let ambiguous = try Monitor.run(["diff", "--db", db, "run-good", "run-bad"])
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains(#"run "run-good" is in sessions 1, 3 of \#(db): name one as SESSION:RUN, e.g. 3:run-good"#),
                "\(ambiguous.stderr)")
        let named = try Monitor.run(["diff", "--db", db, "1:run-good", "run-bad"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.hasPrefix("left : run-good (session 1)"))
        let latest = try Monitor.run(["diff", "--db", db, "latest:run-good", "1:run-good"])
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(latest.stdout.contains("no divergence: the runs made the same 3 calls with the same outcomes"), "\(latest.stdout)")
        let wrongSession = try Monitor.run(["diff", "--db", db, "2:run-good", "run-bad"])
        #expect(wrongSession.status == 1)
        #expect(wrongSession.stderr.contains(#"no run "run-good" in session 2 of \#(db)"#), "\(wrongSession.stderr)")
        let noSession = try Monitor.run(["diff", "--db", db, "9:run-good", "run-bad"])
        #expect(noSession.status == 1)
        #expect(noSession.stderr.contains("no session 9"), "\(noSession.stderr)")
        let unknown = try Monitor.run(["diff", "--db", db, "run-nope", "run-bad"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains(#"no run "run-nope" in \#(db)"#), "\(unknown.stderr)")
        let noDatabase = try Monitor.run(["diff", "--db", "/nonexistent/dir/x.sqlite", "a", "b"])
        #expect(noDatabase.status == 1)
        #expect(!noDatabase.stderr.isEmpty && !noDatabase.stderr.contains("Fatal"))
    }
}

/// The compare view under tmux: what a user marks, compares and opens.
@Suite("Compare end to end (tmux)", .blocksThreads, .serialized, .oracle(.tmux))
struct CompareInteractiveTests {
    @Test("m on one run, c on another: both columns, the first divergence highlighted, Enter shows the input diff")
    func markCompareDiff() throws {
        let both = CompareFixture.lines(run: "run-good", calls: CompareFixture.good, startSecond: 0)
            + CompareFixture.lines(run: "run-bad", calls: CompareFixture.bad, startSecond: 60, status: "error")
        let file = try CompareFixture.write(both, name: "tmux.ndjson")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let monitor = TmuxHarness.quote(try #require(Monitor.binary))
        let h = try TmuxHarness(
            command: "\(monitor) --no-stdin --file \(TmuxHarness.quote(file))", width: 120, height: 36,
            environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color", "NO_COLOR": "", "COLORTERM": ""])
        try h.waitUntil(timeout: 15) { $0.contains("run-bad") && $0.contains("stream ended") }
        // c before anything is marked says what to do.
        try h.sendKeys("c")
        try h.waitFor("nothing marked: press m on a run")
        // The runs are listed oldest first: g selects run-good, m marks it, j moves to run-bad.
        try h.sendKeys("g", "m")
        try h.waitUntil { $0.contains("◇ run-good") && $0.contains("marked run-good (3 calls)") }
        try h.sendKeys("j", "c")
        let screen = try h.waitFor("Compare · ◇ run-good ⇄ run-bad")
        #expect(screen.contains("first divergence: row 2"), "\(screen)")
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let search = try #require(lines.first { $0.contains("web_search") })
        #expect(search.components(separatedBy: "web_search").count == 3, "both columns: \(search)")
        let fetch = try #require(lines.first { $0.hasPrefix("│~") && $0.contains("fetch") })
        #expect(fetch.contains("✓ fetch") && fetch.contains("✗ fetch") && fetch.contains("-200ms"), "\(fetch)")
        // The divergence row is drawn in the divergence role (background 88 in 256 colours:
        // NO_COLOR, which a test runner may set, is cleared) once the
        // selection, which starts on it, moves off it.
        try h.sendKeys("k")
        var styled: [String] = []
        let highlighted = waitUntil(timeout: 10) {
            styled = ((try? h.captureStyled()) ?? "").split(separator: "\n").map(String.init)
            return styled.contains { $0.contains("fetch") && $0.contains("48;5;88") }
        }
        #expect(highlighted, "\(styled.joined(separator: "\n").replacingOccurrences(of: "\u{1B}", with: "^["))")
        #expect(!styled.contains { $0.contains("summarise") && $0.contains("48;5;88") }, "only the divergence row")
        // Back on it, Enter opens the pair's diff: the inputs' lines as - and +.
        try h.sendKeys("j", "Enter")
        let diff = try h.waitFor("── input ──")
        #expect(diff.contains("Diff · row 2 · fetch"), "\(diff)")
        #expect(diff.contains(#"-   "url": "https://weather.example/tokyo""#), "\(diff)")
        #expect(diff.contains(#"+   "url": "https://weather.example/kyoto""#), "\(diff)")
        #expect(diff.contains("+ HTTPError: 503 Service Unavailable"))
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("── input ──") && $0.contains("Compare · ◇") }
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("Compare · ◇") && $0.contains("Runs 2") }
        try h.sendKeys("q")
        #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
    }
}
