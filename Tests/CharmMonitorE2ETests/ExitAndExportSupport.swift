#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A tiny HTTP/1.1 server on 127.0.0.1 for the end-to-end tests (this target links no
/// project module, so no NIO): plain blocking sockets, a thread per connection. It records
/// every request and answers each with `reply`: a status with a body (`{REQUEST_LINE}` in
/// it is replaced by the request line, as a misbehaving server echoes it), or nothing at
/// all (a hung endpoint).
final class LoopbackHTTPServer: @unchecked Sendable {
    enum Reply: Sendable {
        case status(Int, body: String)
        case hang
    }

    struct Request: Sendable {
        var requestLine: String
        var headers: [String: String]
        var body: [UInt8]
    }

    let port: Int
    private let fd: Int32
    private let reply: Reply
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var requests: [Request] = []
    private var connections: [Int32] = []
    private var closed = false

    init(reply: Reply) throws {
        self.reply = reply
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw MonitorError(message: "cannot listen: \(errno)") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        guard port > 0 else { throw MonitorError(message: "no port") }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Requests received so far.
    var received: [Request] {
        condition.lock()
        defer { condition.unlock() }
        return requests
    }

    /// Waits until `done` holds for the requests received, up to `timeout` seconds.
    @discardableResult
    func waitFor(timeout: Double = 30, _ done: ([Request]) -> Bool) -> Bool {
        let end = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !done(requests) {
            if !condition.wait(until: end) { return done(requests) }
        }
        return true
    }

    /// Closes the listener and every connection (a hung reply ends then).
    func stop() {
        condition.lock()
        closed = true
        let open = connections
        condition.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        for c in open { shutdown(c, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            condition.lock()
            if closed {
                condition.unlock()
                close(c)
                return
            }
            connections.append(c)
            condition.unlock()
            Thread.detachNewThread { [self] in serve(c) }
        }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Head.
            var headEnd: Int?
            while headEnd == nil {
                if let r = find([13, 10, 13, 10], in: buffer) {
                    headEnd = r
                    break
                }
                let n = chunk.withUnsafeMutableBytes { read(c, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst()
            var headers: [String: String] = [:]
            for l in lines {
                guard let colon = l.firstIndex(of: ":") else { continue }
                headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while buffer.count < length {
                let n = chunk.withUnsafeMutableBytes { read(c, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            condition.lock()
            requests.append(Request(requestLine: requestLine, headers: headers, body: body))
            condition.broadcast()
            condition.unlock()
            switch reply {
            case .hang:
                // Never answer; the connection ends when the client or `stop` closes it.
                while chunk.withUnsafeMutableBytes({ read(c, $0.baseAddress, $0.count) }) > 0 {}
                return
            case .status(let code, let text):
                let bodyText = text.replacingOccurrences(of: "{REQUEST_LINE}", with: requestLine)
                let response =
                    "HTTP/1.1 \(code) X\r\nContent-Type: text/plain\r\nContent-Length: \(bodyText.utf8.count)\r\n\r\n\(bodyText)"
                let bytes = Array(response.utf8)
                var off = 0
                while off < bytes.count {
                    let n = bytes[off...].withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
                    if n <= 0 { return }
                    off += n
                }
            }
        }
    }

    private func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

/// A `charm-monitor` process started in the background, for tests that signal it while it
/// runs. `CHARM_MONITOR_BINARY` overrides the binary (to run these tests against an older
/// build and see them fail).
final class MonitorProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let outData = Mutex2()
    private let errData = Mutex2()
    private let finished = DispatchGroup()
    private let exited = DispatchSemaphore(value: 0)

    static var binary: String? {
        ProcessInfo.processInfo.environment["CHARM_MONITOR_BINARY"] ?? Monitor.binary
    }

    /// Starts the monitor; with `blocking`, it starts with those signals blocked (through a
    /// python3 wrapper that blocks them and execs it), as under a supervisor that does so.
    init(_ arguments: [String], environment: [String: String] = [:], blocking: [Int32] = []) throws {
        guard let binary = Self.binary else { throw MonitorError(message: "charm-monitor binary not found") }
        if blocking.isEmpty {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        } else {
            let set = blocking.map(String.init).joined(separator: ",")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c",
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {\(set)}); os.execv(sys.argv[1], sys.argv[1:])",
                binary,
            ] + arguments
        }
        process.terminationHandler = { [exited] _ in exited.signal() }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        finished.enter()
        finished.enter()
        Thread.detachNewThread { [self] in outData.set(out.fileHandleForReading.readDataToEndOfFile()); finished.leave() }
        Thread.detachNewThread { [self] in errData.set(err.fileHandleForReading.readDataToEndOfFile()); finished.leave() }
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to exit, up to `timeout` seconds (on a timeout it is killed and
    /// nil returned). Exit is judged from /proc (gone, or a zombie), not from Foundation,
    /// which also waits for every inherited descriptor to close: a child the monitor left
    /// behind would hang the test instead of failing it. Then its output is read for up to
    /// 10 s; if Foundation never sees the end, the status is -1.
    func wait(timeout: Double) -> Monitor.Result? {
        let pid = process.processIdentifier
        let ended = ExportFixture.eventually(timeout: timeout) { ExportFixture.isGone(pid) }
        if !ended {
            kill(pid, SIGKILL)
            return nil
        }
        let seen = exited.wait(timeout: .now() + 10) == .success
        _ = finished.wait(timeout: .now() + (seen ? 10 : 0))
        return Monitor.Result(
            status: seen ? process.terminationStatus : -1, stdout: String(decoding: outData.get(), as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// Runs to the end with no signals.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws
        -> Monitor.Result
    {
        let p = try MonitorProcess(arguments, environment: environment)
        guard let r = p.wait(timeout: timeout) else { throw MonitorError(message: "charm-monitor \(arguments) timed out") }
        return r
    }
}

enum ExportFixture {
    static func tempDir(_ prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// One telemetry line (NDJSON) for `hook` with extra members.
    static func line(_ hook: String, seq: Int, run: String, _ extra: String = "") -> String {
        #"{"type": "x", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "2026-01-01T00:00:00.000000Z", "run_id": "\#(run)"\#(extra)}}"#
    }

    /// Writes `lines` to a new file and returns its path.
    static func file(_ dir: String, _ name: String, _ lines: [String]) throws -> String {
        let path = dir + "/" + name
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes an executable script.
    static func script(_ path: String, _ body: String) throws {
        try Data(body.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    /// Parses the summary (the last stdout line).
    static func summary(_ r: Monitor.Result) throws -> [String: Any] { try Monitor.summary(r) }

    /// The summary's entry for exporter `name`.
    static func exporter(_ r: Monitor.Result, _ name: String) throws -> [String: Any]? {
        (try summary(r)["exporters"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// Whether process `pid` has ended: no such process, or a zombie not yet reaped.
    static func isGone(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    /// Waits for `condition`, polling, up to `timeout` seconds.
    static func eventually(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
        let end = Date(timeIntervalSinceNow: timeout)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
