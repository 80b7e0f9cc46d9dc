#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import CharmTestSupport
import Testing

/// Issue 10's exporter and exit points, on the real binary: real files, loopback servers,
/// exec plugins and signals. Run them against another build with `CHARM_MONITOR_BINARY`.
@Suite("Exit and export: nothing lost, stuck or silent", .blocksThreads, .serialized)
struct ExitAndExportTests {
    // MARK: 1. Finite sources wait for the exporters

    @Test("--headless --file with jsonl: every one of 300,000 events reaches the file, exit 0")
    func replayLosesNothing() throws {
        let dir = try ExportFixture.tempDir("charm-replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let n = 300_000
        var text = ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#) + "\n"
        text.reserveCapacity(n * 140)
        for i in 0..<n { text += ExportFixture.line("llm_new_token", seq: i + 2, run: "r", #", "token": "t""#) + "\n" }
        text += ExportFixture.line("run_end", seq: n + 2, run: "r", #", "outputs": {}, "status": "ok""#) + "\n"
        let input = dir + "/in.jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        let output = dir + "/out.jsonl"
        let r = try MonitorProcess.run(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "jsonl"],
            environment: ["CHARM_TELEMETRY_JSONL_PATH": output, "CHARM_TELEMETRY_JSONL_MAX_BYTES": "\(1 << 34)"],
            timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        let written = try Data(contentsOf: URL(fileURLWithPath: output))
        let lines = written.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == n + 2, "lines written: \(lines.count) of \(n + 2); stderr: \(r.stderr)")
        let jsonl = try ExportFixture.exporter(r, "jsonl")
        #expect(jsonl?["dropped"] as? Int == 0)
        #expect(jsonl?["delivered"] as? Int == n + 2)
    }

    // MARK: 15. Exporter failures are reported, and lost events change the exit status

    @Test("an OTLP endpoint answering 400: counts and the error on stderr and in the summary, exit 3")
    func otlpRefusedIsReported() throws {
        let server = try LoopbackHTTPServer(reply: .status(400, body: "bad request: no such project"))
        defer { server.stop() }
        let dir = try ExportFixture.tempDir("charm-otlp400")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#),
            ExportFixture.line("tool_start", seq: 2, run: "r", #", "call_id": "c", "tool_name": "t", "input": "i""#),
            ExportFixture.line("tool_end", seq: 3, run: "r", #", "call_id": "c", "tool_name": "t", "output": "o""#),
            ExportFixture.line("run_end", seq: 4, run: "r", #", "outputs": {}, "status": "ok""#),
        ])
        let r = try MonitorProcess.run(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "otlp"],
            environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": server.baseURL + "/v1/traces"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("exporter 'otlp'"), "\(r.stderr)")
        #expect(r.stderr.contains("HTTP 400"), "\(r.stderr)")
        let otlp = try #require(try ExportFixture.exporter(r, "otlp"), "summary: \(r.stdout)")
        #expect((otlp["dropped"] as? Int ?? 0) > 0)
        #expect((otlp["last_error"] as? String ?? "").contains("400"))
        #expect(otlp["failed"] as? Int == 0)
        #expect(otlp["delivered"] is Int)
    }

    @Test("an exec plugin that exits 3 on every start: reported with its status, exit 3")
    func crashingPluginIsReported() throws {
        let dir = try ExportFixture.tempDir("charm-crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ExportFixture.script(dir + "/charm-telemetry-crash", "#!/bin/sh\necho 'cannot reach backend' >&2\nexit 3\n")
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#),
            ExportFixture.line("run_end", seq: 2, run: "r", #", "outputs": {}, "status": "ok""#),
        ])
        let r = try MonitorProcess.run(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "crash"],
            environment: ["CHARM_PLUGIN_PATH": dir])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("exporter 'crash'"), "\(r.stderr)")
        #expect(r.stderr.contains("exited with status 3"), "\(r.stderr)")
        let crash = try #require(try ExportFixture.exporter(r, "crash"), "summary: \(r.stdout)")
        #expect((crash["last_error"] as? String ?? "").contains("status 3"))
    }

    // MARK: 3. Exit ends open runs as unfinished and stops every exporter

    @Test("a run that never ended reaches OTLP at exit, marked unfinished (not ok)")
    func unfinishedRunIsSent() throws {
        let server = try LoopbackHTTPServer(reply: .status(200, body: "{}"))
        defer { server.stop() }
        let dir = try ExportFixture.tempDir("charm-unfinished")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "open-run", #", "inputs": {}"#),
            ExportFixture.line("tool_start", seq: 2, run: "open-run", #", "call_id": "c1", "tool_name": "search", "input": "q""#),
        ])
        let r = try MonitorProcess.run(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "otlp"],
            environment: [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": server.baseURL + "/v1/traces",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let runs = try ExportFixture.summary(r)["runs"] as? [[String: Any]] ?? []
        #expect(runs.first?["status"] as? String == "unfinished")
        var spans: [[String: Any]] = []
        for req in server.received {
            let body = try JSONSerialization.jsonObject(with: Data(req.body)) as? [String: Any] ?? [:]
            for rs in body["resourceSpans"] as? [[String: Any]] ?? [] {
                for ss in rs["scopeSpans"] as? [[String: Any]] ?? [] { spans += ss["spans"] as? [[String: Any]] ?? [] }
            }
        }
        func attribute(_ span: [String: Any], _ key: String) -> String? {
            let attrs = span["attributes"] as? [[String: Any]] ?? []
            return (attrs.first { $0["key"] as? String == key }?["value"] as? [String: Any])?["stringValue"] as? String
        }
        let run = spans.first { attribute($0, "gen_ai.operation.name") == "invoke_agent" }
        #expect(run != nil, "spans received: \(spans)")
        if let run {
            #expect(attribute(run, "charm.run.status") == "unfinished")
            let status = run["status"] as? [String: Any] ?? [:]
            #expect(status["code"] as? Int == 2, "status: \(status)")
            #expect((status["message"] as? String ?? "").contains("unfinished"))
        }
        #expect(spans.contains { attribute($0, "gen_ai.tool.name") == "search" })
    }

    @Test("an exec plugin starts with a normal signal mask and is gone once the monitor exits")
    func pluginStoppedAtExit() throws {
        let dir = try ExportFixture.tempDir("charm-plugin-exit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = dir + "/record.txt"
        // Its first start fails, so the one that counts is a restart, made after the monitor
        // set up its signal handling. It records its pid, then never reads stdin: only a
        // signal can end it.
        try ExportFixture.script(dir + "/charm-telemetry-sleeper", """
            #!/bin/sh
            if [ ! -e "\(dir)/started-once" ]; then touch "\(dir)/started-once"; exit 1; fi
            echo $$ > "\(record).tmp"
            mv "\(record).tmp" "\(record)"
            exec sleep 600
            """)
        let followed = try ExportFixture.file(dir, "run.jsonl", [ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#)])
        let monitor = try MonitorProcess(
            ["--headless", "--no-stdin", "--file", followed, "--follow", "--exporters", "sleeper", "--flush-timeout", "2"],
            environment: ["CHARM_PLUGIN_PATH": dir], blocking: [SIGHUP, SIGUSR1])
        #expect(ExportFixture.eventually { FileManager.default.fileExists(atPath: record) }, "the plugin never started")
        let pid = pid_t(((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        defer { if pid > 0 { kill(pid, SIGKILL) } }
        // Read once it runs `sleep` (the shell's own mask changes around its forks): what a
        // program the plugin execs starts with.
        #expect(ExportFixture.eventually {
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").hasPrefix("sleep")
        })
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        #expect(UInt64(fields["SigBlk"] ?? "x", radix: 16) == 0, "blocked signals: \(fields["SigBlk"] ?? "?")")
        let ignored = UInt64(fields["SigIgn"] ?? "x", radix: 16) ?? .max
        for sig in [SIGHUP, SIGINT, SIGTERM] {
            #expect(ignored & (1 << UInt64(sig - 1)) == 0, "signal \(sig) ignored in the plugin: \(fields["SigIgn"] ?? "?")")
        }
        monitor.signal(SIGTERM)
        let r = monitor.wait(timeout: 60)
        #expect(r != nil, "the monitor did not exit")
        #expect(pid > 0)
        // Gone once the monitor has exited: no such process, or only a zombie for init to reap.
        let gone = ExportFixture.eventually(timeout: 5) { ExportFixture.isGone(pid) }
        #expect(gone, "the plugin (pid \(pid)) outlived the monitor")
    }

    // MARK: 9. A listener that failed to open ends headless at once

    @Test("--listen on a path that is not a socket: exit 1 at once, the error printed once")
    func unixListenerFailed() throws {
        let dir = try ExportFixture.tempDir("charm-listen")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try ExportFixture.file(dir, "not-a-socket", ["precious"])
        let r = try MonitorProcess.run(["--headless", "--no-stdin", "--listen", "unix:\(path)"], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "not-a-socket").count - 1 == 1, "stderr: \(r.stderr)")
        #expect(try ExportFixture.summary(r)["events"] as? Int == 0)
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "precious\n")
    }

    @Test("--listen tcp on a port in use: exit 1 at once, the error printed once")
    func tcpListenerFailed() throws {
        let busy = try LoopbackHTTPServer(reply: .hang)
        defer { busy.stop() }
        let r = try MonitorProcess.run(["--headless", "--no-stdin", "--listen", "tcp:127.0.0.1:\(busy.port)"], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        let mentions = r.stderr.split(separator: "\n").filter { $0.contains("\(busy.port)") }
        #expect(mentions.count == 1, "stderr: \(r.stderr)")
    }

    // MARK: 11. A signal during the exporters' shutdown ends it at once

    @Test("SIGTERM while the flush waits on a hanging endpoint ends it at once (finite source)")
    func signalDuringFlush() throws {
        let server = try LoopbackHTTPServer(reply: .hang)
        defer { server.stop() }
        let dir = try ExportFixture.tempDir("charm-hang")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#),
            ExportFixture.line("run_end", seq: 2, run: "r", #", "outputs": {}, "status": "ok""#),
        ])
        let monitor = try MonitorProcess(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "otlp", "--flush-timeout", "120"],
            environment: [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": server.baseURL + "/v1/traces",
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "120000",
            ])
        #expect(server.waitFor(timeout: 60) { !$0.isEmpty }, "no request reached the endpoint")
        monitor.signal(SIGTERM)
        let r = monitor.wait(timeout: 20)
        #expect(r != nil, "SIGTERM during the flush was ignored")
        if let r {
            #expect(r.status == 3, "\(r.stderr)")
            #expect(r.stderr.contains("interrupted"), "\(r.stderr)")
            #expect(try ExportFixture.summary(r)["events"] as? Int == 2)
        }
    }

    @Test("a second signal ends the flush that the first one started (unending source)")
    func secondSignalDuringFlush() throws {
        let server = try LoopbackHTTPServer(reply: .hang)
        defer { server.stop() }
        let dir = try ExportFixture.tempDir("charm-hang2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#),
            ExportFixture.line("tool_start", seq: 2, run: "r", #", "call_id": "c", "tool_name": "t", "input": "i""#),
            ExportFixture.line("tool_end", seq: 3, run: "r", #", "call_id": "c", "tool_name": "t", "output": "o""#),
        ])
        let monitor = try MonitorProcess(
            ["--headless", "--no-stdin", "--file", input, "--follow", "--exporters", "otlp", "--flush-timeout", "120"],
            environment: [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": server.baseURL + "/v1/traces",
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "120000",
            ])
        // The finished tool span is sent after the batch delay: the endpoint then hangs.
        #expect(server.waitFor(timeout: 60) { !$0.isEmpty }, "no request reached the endpoint")
        monitor.signal(SIGTERM)  // stops the sources; the shutdown now waits on the endpoint
        monitor.signal(SIGINT)
        let r = monitor.wait(timeout: 20)
        #expect(r != nil, "the second signal did not end the flush")
        if let r { #expect(r.status == 3, "\(r.stderr)") }
    }

    // MARK: 12. URL credentials and queries never shown

    @Test("a webhook URL's user:pass@ and ?token= appear nowhere, even echoed by a refusing server")
    func urlSecretsScrubbed() throws {
        let server = try LoopbackHTTPServer(reply: .status(400, body: "refused {REQUEST_LINE} token=tok-SEKRET-42"))
        defer { server.stop() }
        let dir = try ExportFixture.tempDir("charm-scrub")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try ExportFixture.file(dir, "run.jsonl", [
            ExportFixture.line("run_start", seq: 1, run: "r", #", "inputs": {}"#),
            ExportFixture.line("run_end", seq: 2, run: "r", #", "outputs": {}, "status": "ok""#),
        ])
        let url = "http://alice:pw-hunter2@127.0.0.1:\(server.port)/hook?token=tok-SEKRET-42&x=1"
        let r = try MonitorProcess.run(
            ["--headless", "--no-stdin", "--file", input, "--exporters", "webhook"],
            environment: ["CHARM_TELEMETRY_WEBHOOK_URL": url, "CHARM_TELEMETRY_WEBHOOK_SECRET": "whsec-abcdef"])
        #expect(server.received.first?.requestLine.contains("tok-SEKRET-42") == true, "the server saw no request")
        #expect(r.stderr.contains("HTTP 400"), "the refusal is reported: \(r.stderr)")
        for secret in ["tok-SEKRET-42", "pw-hunter2", "whsec-abcdef"] {
            #expect(!r.stderr.contains(secret), "\(secret) on stderr: \(r.stderr)")
            #expect(!r.stdout.contains(secret), "\(secret) in the summary: \(r.stdout)")
        }
        #expect(r.status == 3)
    }
}
