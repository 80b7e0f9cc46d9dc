#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import CharmTestSupport
import Testing

/// `y` (OSC 52 into tmux's paste buffer, `set-clipboard on`) and `x` (a run's events to a
/// file that `--file` replays) on the real binary under tmux.
@Suite("UI yank and export (tmux)", .blocksThreads, .serialized, .oracle(.tmux))
struct UIYankExportTests {
    private var monitor: String {
        get throws { TmuxHarness.quote(try #require(Monitor.binary, "charm-monitor binary not found next to the tests")) }
    }

    /// A session in our NDJSON form: `yank-run` calls web_search, streams two tokens, starts
    /// a sub-run `yank-run.sub` whose `slow_tool` runs and then ends, and both runs end.
    static let session: String = {
        var lines: [String] = []
        var seq = 0
        func line(_ type: String, _ hook: String, _ run: String, _ extra: String) {
            seq += 1
            let ts = String(format: "2026-11-25T08:00:%02d.000000Z", seq)
            lines.append(#"{"type": "\#(type)", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "\#(ts)", "run_id": "\#(run)"\#(extra)}}"#)
        }
        line("status", "run_start", "yank-run", #", "parent_run_id": null, "name": "yanker", "inputs": {"api_key": "[API_KEY_REDACTED]"}"#)
        line("tool_usage", "tool_start", "yank-run", #", "call_id": "c1", "tool_name": "web_search", "input": "{\"query\": \"東京\"}""#)
        line("tool_usage", "tool_end", "yank-run", #", "call_id": "c1", "tool_name": "web_search", "output": "晴れ ☀️""#)
        for token in ["Hello", " world"] { line("delta", "llm_new_token", "yank-run", #", "token": "\#(token)""#) }
        line("status", "run_start", "yank-run.sub", #", "parent_run_id": "yank-run", "inputs": {}"#)
        line("tool_usage", "tool_start", "yank-run.sub", #", "call_id": "c2", "tool_name": "slow_tool", "input": "wait""#)
        line("tool_usage", "tool_end", "yank-run.sub", #", "call_id": "c2", "tool_name": "slow_tool", "output": "done""#)
        line("final", "run_end", "yank-run.sub", #", "outputs": {}, "status": "ok""#)
        line("final", "run_end", "yank-run", #", "outputs": {"answer": "晴れ"}, "status": "ok""#)
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The monitor replaying `session` from a file in a scratch directory (a short path, so
    /// the footer shows it whole; removed at the end), with exports going under it and tmux
    /// taking OSC 52 copies; `body` gets the harness, the directory and the file.
    private func withMonitor(arguments: String = "", _ body: (TmuxHarness, String, String) throws -> Void) throws {
        let dir = "/tmp/cy-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/session.ndjson"
        try Self.session.write(toFile: file, atomically: true, encoding: .utf8)
        let h = try TmuxHarness(
            command: "\(try monitor) --no-stdin --file \(TmuxHarness.quote(file)) \(arguments)", width: 160, height: 40,
            environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
        try h.acceptClipboard()
        try h.waitUntil(timeout: 15) { $0.contains("yank-run") && $0.contains("stream ended") }
        try body(h, dir, file)
    }

    /// Waits for tmux's newest paste buffer to differ from `previous`.
    private func newBuffer(_ h: TmuxHarness, after previous: String?) throws -> String {
        var buffer: String?
        #expect(waitUntil(timeout: 10) {
            buffer = h.pasteBuffer()
            return buffer != nil && buffer != previous
        }, "no new paste buffer")
        return try #require(buffer)
    }

    @Test("y on a call and on a run puts exactly their JSON in tmux's paste buffer")
    func yank() throws {
        try withMonitor { h, _, file in
            #expect(h.pasteBuffer() == nil)

            // The calls pane: the first call of the selected run, web_search.
            try h.sendKeys("Enter", "g", "y")
            try h.waitFor("copied call web_search as JSON · ")
            let call = try newBuffer(h, after: nil)
            let expectedCall = #"{"kind":"tool","run_id":"yank-run","call_id":"c1","tool_name":"web_search","status":"ok","start":"2026-11-25T08:00:02.000000Z","end":"2026-11-25T08:00:03.000000Z","duration_ms":1000.0,"input":"{\"query\": \"東京\"}","output":"晴れ ☀️","error":null}"#
            #expect(call == expectedCall)
            try h.waitFor("copied call web_search as JSON · \(expectedCall.utf8.count) bytes")

            // The detail view: the input at the top, the output once it is scrolled up.
            try h.sendKeys("Enter", "y")
            try h.waitFor("copied input of call web_search")
            let input = try newBuffer(h, after: call)
            #expect(input == #"{"query": "東京"}"#)
            try h.sendKeys("G", "y")
            try h.waitFor("copied output of call web_search")
            #expect(try newBuffer(h, after: input) == "晴れ ☀️")

            // The runs pane: the whole run.
            try h.sendKeys("Escape", "h", "y")
            try h.waitFor("copied run yank-run as JSON")
            let run = try newBuffer(h, after: "晴れ ☀️")
            let source = "file:" + file
            let tool = #"{"kind":"tool","run_id":"yank-run","call_id":"c1","tool_name":"web_search","status":"ok","start":"2026-11-25T08:00:02.000000Z","end":"2026-11-25T08:00:03.000000Z","duration_ms":1000.0,"input":"{\"query\": \"東京\"}","output":"晴れ ☀️","error":null}"#
            let expectedRun = #"{"run_id":"yank-run","name":"yanker","parent_run_id":null,"source":"\#(source)","status":"ok","start":"2026-11-25T08:00:01.000000Z","end":"2026-11-25T08:00:10.000000Z","duration_ms":9000.0,"inputs":{"api_key":"[API_KEY_REDACTED]"},"outputs":{"answer":"晴れ"},"errors":0,"last_error":null,"exit_code":null,"tokens":2,"input_tokens":0,"output_tokens":0,"cost_usd":null,"tool_calls":[\#(tool)],"llm_calls":[],"evicted_tool_calls":0,"evicted_llm_calls":0,"children":["yank-run.sub"],"artifacts":[],"dropped_text_bytes":0,"text":"Hello world"}"#
            #expect(run == expectedRun)
            try h.sendKeys("q")
            #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
        }
    }

    @Test("x writes the run and its sub-run to a new file, shows its path, and --file replays the same runs")
    func export() throws {
        try withMonitor { h, dir, file in
            let exports = dir + "/state/charm-monitor/exports"
            try h.sendKeys("x")
            let screen = try h.waitFor("exported 2 runs → \(exports)/run-yank-run-")
            let names = try FileManager.default.contentsOfDirectory(atPath: exports)
            #expect(names.count == 1)
            let path = exports + "/" + (names.first ?? "")
            #expect(screen.contains(path), "the footer shows the whole path")
            // A second export never overwrites the first.
            try h.sendKeys("x")
            #expect(waitUntil(timeout: 10) { ((try? FileManager.default.contentsOfDirectory(atPath: exports)) ?? []).count == 2 })
            try h.sendKeys("q")
            _ = try h.sttyAfterExit()

            let original = try runs(ofHeadless: file)
            let replayed = try runs(ofHeadless: path)
            #expect(replayed.count == 2)
            #expect(replayed == original)
            #expect(replayed.first?["tool_calls"] as? NSArray == original.first?["tool_calls"] as? NSArray)
        }
    }

    /// Steps through `yank-run` on the screen of `h`: slow_tool running at step 7, ended at 8.
    private func stepThrough(_ h: TmuxHarness) throws {
        // The run's and its sub-run's 10 events; the 7th starts slow_tool, the 8th ends it.
        try h.sendKeys("]")
        try h.waitFor("step 1/10 · 08:00:01.000")
        for _ in 0..<6 { try h.sendKeys("]") }
        // tmux may capture a frame half drawn (the header before the panes), so wait for the
        // whole frame; a pane that never shows the step's state still fails the wait.
        let running = try h.waitUntil { $0.contains("step 7/10 · 08:00:07.000") && $0.contains("● slow_tool") }
        #expect(!running.contains("✓ slow_tool"))
        try h.sendKeys("]")
        try h.waitUntil { $0.contains("step 8/10 · 08:00:08.000") && $0.contains("✓ slow_tool") }
        try h.sendKeys("[")
        try h.waitUntil { $0.contains("step 7/10") && $0.contains("● slow_tool") }
        // Esc leaves stepping: the run as the file left it.
        try h.sendKeys("Escape")
        try h.waitUntil { !$0.contains("step 7/10") && $0.contains("✓ slow_tool") }
    }

    @Test(
        "[ and ] step through the replayed run: slow_tool running at one step, ended at the next",
        arguments: ["", "--no-record"])
    func stepping(arguments: String) throws {
        // Recorded (the default): the recording's entries; not recorded: the file read again.
        try withMonitor(arguments: arguments) { h, _, _ in
            try stepThrough(h)
            try h.sendKeys("q")
            #expect(TmuxHarness.isSane(stty: try h.sttyAfterExit()))
        }
    }

    @Test("stepping through a session opened from the recording")
    func steppingOpened() throws {
        try withMonitor { h, dir, _ in
            try h.sendKeys("q")
            _ = try h.sttyAfterExit()
            // The session just shown was recorded; open it from the database and step.
            let db = h.dataHome + "/charm-monitor/sessions.sqlite"
            #expect(FileManager.default.fileExists(atPath: db), "no recording at \(db)")
            let opened = try TmuxHarness(
                command: "\(try monitor) open --db \(TmuxHarness.quote(db)) latest", width: 160, height: 40,
                environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
            try opened.waitUntil(timeout: 15) { $0.contains("yank-run") }
            try stepThrough(opened)
            try opened.sendKeys("q")
            #expect(TmuxHarness.isSane(stty: try opened.sttyAfterExit()))
        }
    }

    /// The runs of `charm-monitor --headless --file PATH`'s summary, without their source.
    private func runs(ofHeadless path: String) throws -> [NSDictionary] {
        let result = try Monitor.run(["--headless", "--file", path], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let runs = try #require(summary["runs"] as? [[String: Any]])
        return runs.map { run in
            var run = run
            run["source"] = nil
            return run as NSDictionary
        }
    }
}
