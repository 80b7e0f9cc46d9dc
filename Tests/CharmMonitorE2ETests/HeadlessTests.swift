#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import CharmTestSupport
import Testing

/// What the charmos session fixture must summarise to, whatever the framing or the source.
func expectCharmosRuns(_ runs: [[String: Any]], legacyRun: String) {
    #expect(runs.count == 2)
    guard runs.count == 2 else { return }
    let first = runs[0]
    #expect(first["run_id"] as? String == legacyRun)
    #expect(first["parent_run_id"] is NSNull)
    #expect(first["status"] as? String == "ok")
    #expect(first["tokens"] as? Int == 5)
    #expect(first["text"] as? String == "Hello, 世界 🌍!")
    #expect(first["errors"] as? Int == 0)
    let calls = first["tool_calls"] as? [[String: Any]] ?? []
    #expect(calls.map { $0["tool_name"] as? String } == ["search", "calculator"])
    #expect(calls.map { $0["status"] as? String } == ["ok", "error"])
    #expect(calls.allSatisfy { $0["duration_ms"] is NSNumber })
    let second = runs[1]
    #expect(second["run_id"] as? String == legacyRun + "#2")
    #expect(second["status"] as? String == "error")
    #expect(second["tokens"] as? Int == 1)
    #expect(second["text"] as? String == "partial")
    #expect(second["errors"] as? Int == 1)
}

/// Inserts `garbage` after every line (stdout) or frame (SSE).
func interleave(_ bytes: [UInt8], with garbage: [UInt8], separator: String) -> [UInt8] {
    let text = String(decoding: bytes, as: UTF8.self)
    var out: [UInt8] = []
    for part in text.components(separatedBy: separator) where !part.isEmpty {
        out += Array((part + separator).utf8)
        out += garbage
    }
    return out
}

@Suite("Headless: charm-monitor end to end", .blocksThreads, .serialized)
struct HeadlessTests {
    @Test("binary is built next to the tests")
    func binaryFound() {
        #expect(Monitor.binary != nil, "looked for charm-monitor in the products directory of this build")
    }

    @Test(
        "charmos stdout framing on stdin, garbage and invalid UTF-8 after every line",
        .oracle(.charmos, .langchainCore))
    func charmosStdout() throws {
        let clean = try Monitor.charmosSession(framing: "stdout")
        let base = try Monitor.summary(try Monitor.run(["--headless"], stdin: clean))
        #expect(base["events"] as? Int == 14)
        #expect(base["malformed"] as? Int == 0)
        #expect(base["raw_lines"] as? Int == 1)
        expectCharmosRuns(base["runs"] as? [[String: Any]] ?? [], legacyRun: "legacy:stdin")

        let dirty = interleave(clean, with: Garbage.stdout, separator: "\n")
        let r = try Monitor.run(["--headless"], stdin: dirty)
        #expect(r.status == 0)
        let s = try Monitor.summary(r)
        #expect(s["events"] as? Int == 14)
        #expect(s["malformed"] as? Int == 15)
        #expect(s["raw_lines"] as? Int == 1 + 30)
        expectCharmosRuns(s["runs"] as? [[String: Any]] ?? [], legacyRun: "legacy:stdin")
    }

    @Test(
        "charmos SSE framing from a file, garbage after every frame",
        .oracle(.charmos, .langchainCore))
    func charmosSSE() throws {
        let clean = try Monitor.charmosSession(framing: "sse")
        let dirty = interleave(clean, with: Garbage.sse, separator: "\n\n")
        let path = NSTemporaryDirectory() + "charm-e2e-\(getpid()).sse"
        try Data(dirty).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let r = try Monitor.run(["--headless", "--file", path])
        #expect(r.status == 0)
        let s = try Monitor.summary(r)
        // The runner turned the raw print into a thinking event: 15 events, no raw line of its own.
        #expect(s["events"] as? Int == 15)
        #expect(s["malformed"] as? Int == 15)
        #expect(s["raw_lines"] as? Int == 15)
        expectCharmosRuns(s["runs"] as? [[String: Any]] ?? [], legacyRun: "legacy:file:\(path)")
    }

    @Test("structured events: nesting, a late parent, a tool call that never ends, tokens")
    func structured() throws {
        func line(_ hook: String, _ seq: Int, _ run: String, _ extra: String) -> String {
            let ts = String(format: "2026-11-25T08:00:%02d.000000Z", seq)
            return #"__CHARM_EVENT__{"type": "x", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "\#(ts)", "run_id": "\#(run)"\#(extra)}}"#
        }
        let lines = [
            line("run_start", 1, "child", #", "parent_run_id": "root", "inputs": {}"#),
            line("tool_start", 2, "child", #", "call_id": "c1", "tool_name": "search", "input": "q""#),
            line("run_start", 3, "root", #", "parent_run_id": null, "inputs": {}"#),
            line("tool_start", 4, "child", #", "call_id": "c2", "tool_name": "fetch", "input": "u""#),
            line("tool_end", 6, "child", #", "call_id": "c1", "tool_name": "search", "output": "r""#),
            line("llm_new_token", 7, "root", #", "token": "你好""#),
            line("error", 8, "root", #", "error": {"type": "E", "message": "m"}"#),
            line("run_end", 9, "child", #", "outputs": {}, "status": "ok""#),
            #"{"type": "unknown_type"}"#,
            "plain text",
        ]
        let r = try Monitor.run(["--headless"], stdin: Array((lines.joined(separator: "\n") + "\n").utf8))
        #expect(r.status == 0)
        let s = try Monitor.summary(r)
        #expect(s["events"] as? Int == 9)
        #expect(s["raw_lines"] as? Int == 1)
        let runs = s["runs"] as? [[String: Any]] ?? []
        #expect(runs.map { $0["run_id"] as? String } == ["child", "root"])
        #expect(runs.first?["parent_run_id"] as? String == "root")
        #expect(runs.first?["status"] as? String == "ok")
        let calls = runs.first?["tool_calls"] as? [[String: Any]] ?? []
        #expect(calls.map { $0["call_id"] as? String } == ["c1", "c2"])
        #expect(calls.map { $0["status"] as? String } == ["ok", "running"])
        #expect(calls.first?["duration_ms"] as? Double == 4000)
        #expect(calls.last?["duration_ms"] is NSNull)
        #expect(runs.last?["status"] as? String == "error")
        #expect(runs.last?["text"] as? String == "你好")
        #expect(runs.last?["errors"] as? Int == 1)
    }

    @Test("exit codes: 1 when a source fails to open (still printing), 2 for usage errors")
    func exitCodes() throws {
        let r = try Monitor.run(["--headless", "--file", "/nonexistent/file"], stdin: Array("{\"type\":\"a\"}\n".utf8))
        #expect(r.status == 1)
        #expect(try Monitor.summary(r)["events"] as? Int == 1)
        #expect(r.stderr.contains("/nonexistent/file"))
        #expect(try Monitor.run(["--headless", "--bogus"]).status == 2)
        #expect(try Monitor.run(["--headless"]).status == 2)  // no source at all
        let remote = try Monitor.run(["--headless", "--listen", "tcp:0.0.0.0:7777"])
        #expect(remote.status == 2)
        #expect(remote.stderr.contains("--allow-remote"))
        #expect(try Monitor.run(["--headless", "--replay"]).status == 2)
    }

    @Test("--demo runs the simulated agent in-process as a source")
    func demo() throws {
        let r = try Monitor.run(["--headless", "--demo", "--demo-sessions", "2", "--demo-pace", "0"])
        #expect(r.status == 0)
        let s = try Monitor.summary(r)
        let runs = s["runs"] as? [[String: Any]] ?? []
        #expect((s["events"] as? Int ?? 0) > 0)
        #expect(runs.count >= 2)
        #expect(runs.contains { $0["parent_run_id"] is String })
        #expect(runs.allSatisfy { $0["status"] as? String != "running" })
    }

    @Test("an unknown exporter is a warning, never a crash")
    func unknownExporter() throws {
        let r = try Monitor.run(["--headless", "--exporters", "nope"], stdin: Array("{\"type\":\"a\"}\n".utf8))
        #expect(r.status == 0)
        #expect(r.stderr.contains("nope"))
        #expect(try Monitor.summary(r)["events"] as? Int == 1)
    }

    @Test("SIGTERM while listening on a Unix socket still prints the summary")
    func sigterm() throws {
        guard let binary = Monitor.binary else { Issue.record("no binary"); return }
        let sock = NSTemporaryDirectory() + "charm-e2e-\(getpid()).sock"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--headless", "--listen", "unix:\(sock)"]
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var fd: Int32 = -1
        for _ in 0..<250 {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { b in for (i, c) in sock.utf8.enumerated() { b[i] = c } }
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if ok == 0 { break }
            close(fd)
            fd = -1
            usleep(20_000)
        }
        #expect(fd >= 0)
        let payload = Array("{\"type\":\"delta\",\"content\":\"x\"}\n{\"type\":\"delta\",\"content\":\"y\"}\n".utf8)
        _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        usleep(300_000)
        p.terminate()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"events\":2"))
        #expect(text.contains("\"text\":\"xy\""))
    }
}
