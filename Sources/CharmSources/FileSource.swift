#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry
import CharmWire

/// Reads standard input or a file with plain blocking reads on a thread of its own (so it
/// never occupies one of the few cooperative-pool threads), optionally following it and
/// pacing it.
///
/// Following polls, as `tail -F` and Fluent Bit's tail input do: at the end of the file it
/// waits, then compares the path's device and inode with the open file's (rotation by
/// rename: the rest of the old file is read, then the path reopened), and the open file's
/// size and first bytes with what was read (truncation, including copytruncate refilled
/// past the old size between two polls: start again from 0). Size alone misses the
/// latter: the new lines before the old offset would never be read. A vanished file is
/// shown as `waiting`, never as the end.
struct FileSource {
    let path: String?
    let follow: Bool
    let replaySpeed: Double?
    /// Waits between two polls at the end of a followed file (a sleep, or a test's gate).
    let waitForPoll: @Sendable () -> Void
    let stop: StopFlag
    var pump: DecodingPump
    /// Called before each wait for a poll: lets what was read be applied first (the
    /// pipeline's `drain`), so an idle followed source has nothing in flight.
    var settle: () -> Void = {}

    /// Runs to the end (or until stopped). Returns false if the file could not be opened.
    mutating func run() -> Bool {
        var fd: Int32
        if let path {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let reason = "cannot open \(path): \(String(cString: strerror(errno)))"
                guard follow else {
                    pump.enter(.failed, reason)
                    return false
                }
                pump.enter(.waiting, reason)
                while fd < 0 {
                    if stop.isSet { pump.enter(.ended); return true }
                    settle()
                    waitForPoll()
                    fd = open(path, O_RDONLY | O_CLOEXEC)
                }
            }
        } else {
            fd = 0
        }
        // Closed however the reading ends (`fd` changes when the file is rotated).
        defer { if fd != 0 { close(fd) } }
        pump.enter(.open)
        var opened = stat()
        let isPipe = fstat(fd, &opened) == 0 && (opened.st_mode & S_IFMT) != S_IFREG
        var identity = FileIdentity(opened)
        var offset: Int64 = 0
        var head = HeadFingerprint()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pacer = replaySpeed.map { ReplayPacer(speed: $0) }
        var vanished = false
        var end: (state: SourceState, reason: String?) = (.ended, nil)
        while !stop.isSet {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                // A short read from a pipe or socket means we are level with the producer:
                // waiting a millisecond lets the next read take a batch rather than a line or
                // two, which under a flood halves the system calls and engine round trips.
                // The pipe's own buffer (64 KiB) holds a millisecond of even a 20 MB/s flood.
                let levelWithProducer = isPipe && n < buffer.count / 4
                if follow { head.record(buffer, count: n, at: offset) }
                offset += Int64(n)
                buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                    if pacer != nil {
                        let records = pump.decode(chunk)
                        pacer!.deliver(records, pump: pump, stop: stop)
                    } else {
                        pump.feed(chunk)
                    }
                }
                if levelWithProducer { sleepSeconds(0.001) }
                continue
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                end = (.failed, "read error: \(String(cString: strerror(errno)))")
                break
            }
            guard follow, let path else { break }
            settle()
            waitForPoll()
            var st = stat()
            if stat(path, &st) != 0 {
                if !vanished {
                    vanished = true
                    pump.enter(.waiting, "\(path) vanished; waiting for it to come back")
                }
                continue
            }
            if FileIdentity(st) != identity {
                // Rotated: the old file is fully read; a partial last line of it is complete now.
                let newFD = open(path, O_RDONLY | O_CLOEXEC)
                guard newFD >= 0 else { continue }
                // Lines written to the old file after our last read (the writer may still
                // hold it open) come first.
                while true {
                    let m = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if m <= 0 { break }
                    buffer.withUnsafeBytes { pump.feed(UnsafeRawBufferPointer(rebasing: $0[0..<m])) }
                }
                pump.finish()
                close(fd)
                fd = newFD
                identity = fileIdentity(fd)
                offset = 0
                head = HeadFingerprint()
                vanished = false
                pump.enter(.open)
            } else if Int64(st.st_size) < offset || !head.matches(fd) {
                // Truncated in place (copytruncate), perhaps already refilled past where we
                // were: what is there now is all new, so read it again from the start.
                pump.finish()
                lseek(fd, 0, SEEK_SET)
                offset = 0
                head = HeadFingerprint()
            } else if vanished {
                vanished = false
                pump.enter(.open)
            }
        }
        pump.finish()
        pump.enter(end.state, end.reason)
        return true
    }

    private func fileIdentity(_ fd: Int32) -> FileIdentity {
        var st = stat()
        fstat(fd, &st)
        return FileIdentity(st)
    }
}

/// The first bytes read from a followed file. When the file at the same inode no longer
/// starts with them, it was truncated and written again. Like `tail -F`, it cannot tell a
/// file refilled with exactly the same first bytes; 1 KiB of telemetry lines carries
/// timestamps and sequence numbers, so in practice the bytes differ.
struct HeadFingerprint {
    static let length = 1024
    private(set) var bytes: [UInt8] = []

    /// Keeps the part of a read at `offset` that falls in the first `length` bytes.
    mutating func record(_ buffer: [UInt8], count: Int, at offset: Int64) {
        guard offset < HeadFingerprint.length, Int64(bytes.count) == offset else { return }
        bytes.append(contentsOf: buffer[0..<min(count, HeadFingerprint.length - bytes.count)])
    }

    /// Whether the file still starts with the recorded bytes (read with `pread`, so the
    /// reading offset does not move).
    func matches(_ fd: Int32) -> Bool {
        guard !bytes.isEmpty else { return true }
        var now = [UInt8](repeating: 0, count: bytes.count)
        var got = 0
        while got < now.count {
            let n = now.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, $0.count - got, off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return got == bytes.count && now == bytes
    }
}

/// A file's device and inode: what changes when a log is rotated.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// Delivers records no earlier than their telemetry timestamps allow: the first structured
/// event sets time zero, and each later one waits until `(ts - first) / speed` has passed.
/// Records without telemetry (legacy lines, raw prints) go out with the next paced one.
struct ReplayPacer {
    let speed: Double
    private var base: Timestamp?
    private var wallStart = 0.0

    init(speed: Double) { self.speed = speed > 0 ? speed : 1 }

    /// Wall-clock seconds after the first paced event at which the event stamped `ts` is
    /// due: its distance from the first event's stamp, `speed` times faster.
    static func offset(of ts: Timestamp, from base: Timestamp, speed: Double) -> Double {
        ts.seconds(since: base) / speed
    }

    mutating func deliver(_ records: [DecodedRecord], pump: DecodingPump, stop: StopFlag) {
        var pending: [DecodedRecord] = []
        for r in records {
            if case .event(let e) = r, e.isStructured, let ts = e.hookEvents.first?.timestamp {
                if let base {
                    let due = wallStart + ReplayPacer.offset(of: ts, from: base, speed: speed)
                    let wait = due - monotonicSeconds()
                    if wait > 0 {
                        pump.deliver(pending)
                        pending.removeAll()
                        var left = wait
                        while left > 0 && !stop.isSet {
                            sleepSeconds(min(left, 0.1))
                            left = due - monotonicSeconds()
                        }
                    }
                } else {
                    base = ts
                    wallStart = monotonicSeconds()
                }
            }
            pending.append(r)
        }
        pump.deliver(pending)
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    var want = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var left = timespec()
    while nanosleep(&want, &left) != 0 && errno == EINTR { want = left }
}
