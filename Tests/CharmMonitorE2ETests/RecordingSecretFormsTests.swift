#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

@Suite("Recording: every form of secret stays out of the database, and nothing harmless is scrubbed", .blocksThreads, .serialized)
struct RecordingSecretFormsTests {
    @Test("keys after JSON escapes, URL passwords and secret query values, a short --token, type and tool names: none reach db, -wal or -shm")
    func secretForms() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = try Recording.folder("secret-forms")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/s.sqlite"
        let socket = dir + "/live.sock"
        let afterNewline = "sk-proj-NEWLINEKEY000011112222"
        let afterTab = "sk-proj-TABKEY0000111122223333"
        let urlPassword = "pw-url-Secret-77"
        let urlToken = "qtok-Secret-88"
        let errorPassword = "pw-err-Secret-99"
        let errorKey = "ak-err-Secret-11"
        let typeKey = "ghp_TYPEFIELDKEY0123456789abcdef"
        let toolKey = "sk-toolname-KEY0123456789abcdef"
        let shortToken = "ab3d5"
        let monitor = try RunningMonitor(
            [
                "--headless", "--no-stdin", "--listen", "unix:" + socket, "--record", db, "--token", shortToken,
                "--sse", "http://alice:\(urlPassword)@127.0.0.1:9/stream?token=\(urlToken)&x=1", "--sse-retries", "0",
            ],
            environment: ["DESKTOP_SESSION": "ubuntu-desktop", "SSH_AUTH_SOCK": "/tmp/agent-socket-path.sock"])
        defer { if monitor.process.isRunning { kill(monitor.pid, SIGKILL) } }
        var fd: Int32 = -1
        #expect(waitUntil { fd = connectUnixSocket(socket); return fd >= 0 })
        let lines = [
            Recording.line("run_start", seq: 1, run: "s", #", "parent_run_id": null, "inputs": {"home": "/home/ubuntu-desktop/x", "sock": "/tmp/agent-socket-path.sock"}"#),
            Recording.line("tool_start", seq: 2, run: "s", #", "call_id": "c1", "tool_name": "\#(toolKey)", "input": "key:\n\#(afterNewline) and\t\#(afterTab) via \#(shortToken)""#),
            Recording.line("tool_end", seq: 3, run: "s", #", "call_id": "c1", "tool_name": "\#(toolKey)", "output": "ok""#),
            Recording.line(
                "error", seq: 4, run: "s",
                #", "error": {"type": "HTTPError", "message": "GET https://bob:\#(errorPassword)@api.example.com/v1?api_key=\#(errorKey) failed"}"#),
            Recording.line("run_end", seq: 5, run: "s", #", "outputs": {}"#, type: typeKey),
        ]
        let text = lines.joined(separator: "\n") + "\n"
        _ = text.utf8.withContiguousStorageIfAvailable { write(fd, $0.baseAddress, $0.count) }
        #expect(waitUntil(20) {
            (try? Recording.sqlite(db, "SELECT sum(n) FROM events WHERE kind = 'line'"))?.first?.first as? Int == 5
        })
        let secrets = [afterNewline, afterTab, urlPassword, urlToken, errorPassword, errorKey, typeKey, toolKey, shortToken]
        func leaks() -> [String] { Recording.leaks(of: secrets, in: db) }
        #expect(leaks().isEmpty, "\(leaks())")
        close(fd)
        kill(monitor.pid, SIGINT)
        let r = try monitor.wait(timeout: 30)
        #expect(r.status == 0 || r.status == 3, "\(r.stderr)")
        #expect(leaks().isEmpty, "\(leaks())")
        // Every stored JSON payload is still JSON (scrubbing replaces inside strings only).
        let invalid = try Recording.sqlite(db, "SELECT count(*) FROM events WHERE kind IN ('line', 'source') AND n = 1 AND NOT json_valid(data)")
        #expect(invalid.first?.first as? Int == 0)
        // Harmless variables whose names hold AUTH or SESSION are not taken for secrets.
        let all = try Recording.sqlite(db, "SELECT group_concat(data, ' ') FROM events").first?.first as? String ?? ""
        #expect(all.contains("/home/ubuntu-desktop/x"))
        #expect(all.contains("/tmp/agent-socket-path.sock"))
        // The URL keeps its user and host; only the password and the token went.
        let sources = try Recording.sqlite(db, "SELECT sources, command FROM sessions").first ?? []
        #expect((sources[0] as? String)?.contains("alice:[SECRET_REDACTED]@127.0.0.1") == true, "\(sources)")
        #expect((sources[1] as? String)?.contains("--token [SECRET_REDACTED]") == true, "\(sources)")
        // The session opens again, every row readable.
        let reopened = try Monitor.run(["open", "--db", db, "latest", "--headless"])
        #expect(reopened.status == 0, "\(reopened.stderr)")
        #expect(!reopened.stderr.contains("could not be read"), "\(reopened.stderr)")
    }
}
