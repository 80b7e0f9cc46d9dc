#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTestSupport
import Foundation
import Testing

/// A blocking HTTP server on loopback whose every connection is scripted (the E2E target
/// links no project module, so this is its own copy): `script` gets the connection's number
/// (from 1) and its `Last-Event-ID`, and returns the response's pieces, each written with
/// its own `write`, before the connection is closed.
final class AttackSSEServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var ids: [String?] = []

    init(_ script: @escaping @Sendable (_ connection: Int, _ lastEventID: String?, _ fd: Int32) -> [[UInt8]]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(listener, 16)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in
            var n = 0
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                n += 1
                let last = AttackSSEServer.readHead(c)
                lock.lock()
                ids.append(last)
                lock.unlock()
                for piece in script(n, last, c) { AttackSSEServer.writeAll(c, piece) }
                close(c)
            }
        }
    }

    /// The `Last-Event-ID` of each request so far.
    var lastEventIDs: [String?] {
        lock.lock()
        defer { lock.unlock() }
        return ids
    }

    static func readHead(_ c: Int32) -> String? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while read(c, &byte, 1) == 1 {
            head.append(byte)
            if head.suffix(4) == Array("\r\n\r\n".utf8) { break }
        }
        return String(decoding: head, as: UTF8.self).split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("last-event-id:") }
            .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    static let okHead = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".utf8)

    /// Event `i`: a structured token `t<i>` of run S, with its id.
    static func event(_ i: Int) -> String {
        let telemetry = #"{"v": 1, "hook": "llm_new_token", "seq": \#(i), "ts": "2026-11-25T07:37:00.\#(String(format: "%06d", i))Z", "run_id": "S", "token": "t\#(i)"}"#
        return "id: \(i)\ndata: {\"type\": \"delta\", \"content\": \"t\(i)\", \"telemetry\": \(telemetry)}\n\n"
    }

    static let runFinished = "data: {\"type\": \"internal_run_finished\", \"content\": {\"exit_code\": 0}}\n\n"

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
}

/// `charm-monitor` started in the background: its pid while it runs, its output once it ends.
final class RunningMonitor: @unchecked Sendable {
    let process = Process()
    private let out = Mutex2()
    private let err = Mutex2()
    private let done = DispatchGroup()

    /// Starts `charm-monitor arguments`, with `environment` added to this process's.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard let binary = Monitor.binary else { throw MonitorError(message: "charm-monitor binary not found next to the tests") }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let o = Pipe(), e = Pipe()
        process.standardOutput = o
        process.standardError = e
        process.standardInput = FileHandle.nullDevice
        try process.run()
        done.enter()
        Thread.detachNewThread { [out, done] in out.set(o.fileHandleForReading.readDataToEndOfFile()); done.leave() }
        done.enter()
        // Read as it comes, so a test can watch what the monitor says while it runs.
        Thread.detachNewThread { [err, done] in
            let h = e.fileHandleForReading
            var all = Data()
            while case let d = h.availableData, !d.isEmpty {
                all.append(d)
                err.set(all)
            }
            done.leave()
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// What it has written on stderr so far.
    var stderrSoFar: String { String(decoding: err.get(), as: UTF8.self) }

    /// The peak resident set of the running process, in KiB (`VmHWM`).
    var peakRSSKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    /// Waits for it to end (killing it after `timeout` seconds, which fails the test that asked).
    func wait(timeout: Double = 60) throws -> Monitor.Result {
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            throw MonitorError(message: "charm-monitor did not end within \(timeout) s")
        }
        process.waitUntilExit()
        return Monitor.Result(
            status: process.terminationStatus, stdout: String(decoding: out.get(), as: UTF8.self),
            stderr: String(decoding: err.get(), as: UTF8.self))
    }
}

/// A run's entry in a summary.
func summaryRun(_ r: Monitor.Result, _ id: String) throws -> [String: Any]? {
    (try Monitor.summary(r)["runs"] as? [[String: Any]] ?? []).first { $0["run_id"] as? String == id }
}

@Suite("Headless under attack: SSE servers that cut, flood and lie", .blocksThreads, .serialized)
struct AttackSSETests {
    @Test("a cut right after `id: 6` loses nothing: the monitor asks for event 6 again (10.2)")
    func cutAfterID() throws {
        let server = AttackSSEServer { n, last, _ in
            let from = (last.flatMap { Int($0) } ?? 0) + 1
            var body = ""
            if n == 1 {
                for i in 1...5 { body += AttackSSEServer.event(i) }
                body += "id: 6\n"
            } else {
                for i in from...8 { body += AttackSSEServer.event(i) }
                body += AttackSSEServer.runFinished
            }
            return [AttackSSEServer.okHead, Array(body.utf8)]
        }
        defer { server.stop() }
        let r = try Monitor.run(["--headless", "--sse", "http://127.0.0.1:\(server.port)/s", "--sse-retries", "3"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(server.lastEventIDs == [nil, "5"])
        let run = try summaryRun(r, "S")
        #expect(run?["text"] as? String == (1...8).map { "t\($0)" }.joined())
        #expect(run?["tokens"] as? Int == 8)
    }

    @Test("data: lines that never meet a blank line cannot grow the monitor: 160 MB in, memory bounded (10.5)")
    func frameFloodIsBounded() throws {
        let measured = DispatchSemaphore(value: 0)
        let flooded = DispatchSemaphore(value: 0)
        let server = AttackSSEServer { _, _, fd in
            AttackSSEServer.writeAll(fd, AttackSSEServer.okHead + Array(AttackSSEServer.event(1).utf8))
            let chunk = Array(String(repeating: "data: " + String(repeating: "x", count: 4_090) + "\n", count: 256).utf8)
            for _ in 0..<160 { AttackSSEServer.writeAll(fd, chunk) }  // 160 MiB, one frame
            flooded.signal()
            // The rest only once the test has read the monitor's peak memory.
            _ = measured.wait(timeout: .now() + 120)
            return [Array(("\n" + AttackSSEServer.event(2) + AttackSSEServer.runFinished).utf8)]
        }
        defer { server.stop() }
        let monitor = try RunningMonitor(["--headless", "--sse", "http://127.0.0.1:\(server.port)/", "--sse-retries", "1"])
        #expect(flooded.wait(timeout: .now() + 120) == .success)
        let peak = monitor.peakRSSKiB ?? 0
        measured.signal()
        let r = try monitor.wait(timeout: 120)
        // The 16 MiB frame limit, read buffers and the process itself; before the fix the
        // frame was kept whole (160 MiB and more).
        #expect(peak > 0 && peak < 96 * 1024, "peak RSS \(peak) KiB")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try summaryRun(r, "S")?["text"] as? String == "t1t2")
    }

    @Test("a server that answers HTML is given up on after --sse-retries, and reported (10.8, 10.16)")
    func htmlServerGivesUp() throws {
        let server = AttackSSEServer { _, _, _ in
            [Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>Sign in</body></html>\n".utf8)]
        }
        defer { server.stop() }
        let r = try Monitor.run(["--headless", "--sse", "http://127.0.0.1:\(server.port)/", "--sse-retries", "2"], timeout: 60)
        #expect(server.lastEventIDs.count == 3)
        #expect(r.stderr.contains("gave up after 3 attempts"), "\(r.stderr)")
        #expect(r.status == 1, "a source that failed means an incomplete summary")
        #expect(try Monitor.summary(r)["events"] as? Int == 0)
    }

    @Test("a stream given up on after a drop fails the headless run (exit 1), never looks complete (10.16)")
    func droppedStreamFails() throws {
        let server = AttackSSEServer { n, _, _ in
            // Two events, then cut; every reconnect answers nothing but comments.
            n == 1 ? [AttackSSEServer.okHead, Array((AttackSSEServer.event(1) + AttackSSEServer.event(2)).utf8)]
                : [AttackSSEServer.okHead, Array(": nothing\n\n".utf8)]
        }
        defer { server.stop() }
        let r = try Monitor.run(["--headless", "--sse", "http://127.0.0.1:\(server.port)/", "--sse-retries", "1"], timeout: 60)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(try summaryRun(r, "S")?["text"] as? String == "t1t2")
    }

    @Test("a 20 MB SSE event is counted as oversized in the summary and on stderr; the events around it stay (10.16)")
    func twentyMegabyteEventIsReported() throws {
        let server = AttackSSEServer { _, _, _ in
            let huge = "data: {\"type\": \"delta\", \"content\": \"" + String(repeating: "x", count: 20 << 20) + "\"}\n\n"
            return [AttackSSEServer.okHead, Array(AttackSSEServer.event(1).utf8), Array(huge.utf8),
                    Array((AttackSSEServer.event(2) + AttackSSEServer.runFinished).utf8)]
        }
        defer { server.stop() }
        let r = try Monitor.run(["--headless", "--sse", "http://127.0.0.1:\(server.port)/", "--sse-retries", "1"], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Monitor.summary(r)["oversized"] as? Int == 1)
        #expect(r.stderr.contains("1 line(s) or SSE frame(s) over the 16 MiB limit were skipped"), "\(r.stderr)")
        #expect(try summaryRun(r, "S")?["text"] as? String == "t1t2")
    }

    @Test("CR-only line endings are read as lines (10.8)")
    func carriageReturns() throws {
        let server = AttackSSEServer { _, _, _ in
            let text = (1...3).map(AttackSSEServer.event).joined() + AttackSSEServer.runFinished
            return [AttackSSEServer.okHead, Array(text.replacingOccurrences(of: "\n", with: "\r").utf8)]
        }
        defer { server.stop() }
        let r = try Monitor.run(["--headless", "--sse", "http://127.0.0.1:\(server.port)/", "--sse-retries", "2"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(server.lastEventIDs.count == 1)
        #expect(try summaryRun(r, "S")?["text"] as? String == "t1t2t3")
    }
}
