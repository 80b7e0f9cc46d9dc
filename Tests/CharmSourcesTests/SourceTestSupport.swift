#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmSources
import CharmTelemetry
import CharmWire
import Foundation
import Synchronization

/// Collects everything sources deliver, per source, for assertions.
final class CollectingSink: SourceSink {
    struct Entry: Sendable {
        var records: [DecodedRecord] = []
        var phases: [SourceState] = []
        var errors: [String] = []
    }

    private let entries = Mutex<[String: Entry]>([:])

    func deliver(_ records: [DecodedRecord], from source: String) {
        entries.withLock { $0[source, default: Entry()].records.append(contentsOf: records) }
    }

    func stateChanged(_ state: SourceState, of source: String, error: String?) {
        entries.withLock {
            $0[source, default: Entry()].phases.append(state)
            if let error { $0[source, default: Entry()].errors.append(error) }
        }
    }

    var all: [String: Entry] { entries.withLock { $0 } }

    func entry(_ source: String) -> Entry { entries.withLock { $0[source] ?? Entry() } }

    /// Valid events of a source (wire events of any type).
    func events(_ source: String) -> [WireEvent] {
        entry(source).records.compactMap { if case .event(let e) = $0 { e } else { nil } }
    }

    /// Hook events of every source, in order per source.
    func hookEvents(_ source: String) -> [TelemetryEvent] { events(source).flatMap(\.hookEvents) }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A structured event line as the emitter writes it (telemetry token event).
func tokenLine(run: String, seq: Int, token: String, prefix: String = "__CHARM_EVENT__") -> String {
    let ts = Timestamp(microseconds: 1_700_000_000_000_000 + Int64(seq) * 1_000).rfc3339
    let tele: JSONObject = [
        "v": 1, "hook": "llm_new_token", "seq": .int(Int64(seq)), "ts": .string(ts), "run_id": .string(run),
        "token": .string(token),
    ]
    let obj: JSONObject = ["type": "delta", "content": .string(token), "telemetry": .object(tele)]
    return prefix + JSONWriter.string(.object(obj)) + "\n"
}

/// Garbage that must never cost a valid event: a raw print, a broken event, invalid UTF-8.
let garbage: [UInt8] = Array("raw print\n__CHARM_EVENT__{broken\n".utf8) + [0xFF, 0xFE, 0x41, 0x0A] + Array("{\"no\":\"type\"}\n".utf8)

func connectUnix(_ path: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
        let b = Array(path.utf8)
        for i in 0..<min(b.count, p.count - 1) { p[i] = b[i] }
    }
    let r = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    return r == 0 ? fd : -1
}

func connectTCP(_ port: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let r = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return r == 0 ? fd : -1
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        off += n
    }
}

func writeAll(_ fd: Int32, _ s: String) { writeAll(fd, Array(s.utf8)) }

/// Reads until EOF (or `limit` bytes).
func readAll(_ fd: Int32, limit: Int = 1 << 20) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while out.count < limit {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-src-\(getpid())-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// Stands in for the sleep between two polls of a followed file: the source blocks in
/// `wait` until the test calls `release`, so the test acts between two polls for certain.
final class PollGate: Sendable {
    private let arrived = DispatchSemaphore(value: 0)
    private let go = DispatchSemaphore(value: 0)
    private let released = Atomic<Bool>(false)

    /// Called by the source at each poll.
    @Sendable func wait() {
        if released.load(ordering: .acquiring) { return }
        arrived.signal()
        go.wait()
    }

    /// Waits (at most 30 s) until the source is parked in a poll.
    func reachedPoll() async -> Bool {
        await withCheckedContinuation { c in
            Thread.detachNewThread { [arrived] in c.resume(returning: arrived.wait(timeout: .now() + 30) == .success) }
        }
    }

    /// Lets the parked source take its poll.
    func release() { go.signal() }

    /// Lets every later poll through at once (when the test is done).
    func openForever() {
        released.store(true, ordering: .releasing)
        go.signal()
    }
}
