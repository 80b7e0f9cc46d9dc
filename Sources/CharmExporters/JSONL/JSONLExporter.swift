import CharmTelemetry
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends one `ReplayLine` per event to a local file, rotating by size.
///
/// Writes go straight to the file (one `write(2)` per line, `O_APPEND`), so a crash loses at
/// most the line being written and another process can tail the file live. A file whose
/// last line was torn by a crash gets a newline before our first line, so the fragment
/// stays one malformed line and never swallows a whole event. When a line
/// would take the file past `maxBytes`, `path` becomes `path.1`, `path.1` becomes `path.2`,
/// and so on; files beyond `keep` are deleted.
public final class JSONLExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "jsonl"

    /// The file written.
    package let path: String
    /// Size at which the file is rotated.
    package let maxBytes: Int
    /// Rotated files kept besides the current one.
    package let keep: Int

    private struct State {
        var fd: Int32 = -1
        var size = 0
        var written = 0
        var failed = 0
        var lastFailed = false
        var lastError: String?
    }

    private let state = Mutex(State())

    /// An exporter writing `path`.
    public init(path: String = "charm-telemetry.jsonl", maxBytes: Int = 50 << 20, keep: Int = 5) {
        self.path = path
        self.maxBytes = max(1024, maxBytes)
        self.keep = max(0, keep)
    }

    /// Builds it from `CHARM_TELEMETRY_JSONL_PATH` (default ./charm-telemetry.jsonl),
    /// `CHARM_TELEMETRY_JSONL_MAX_BYTES` (default 50 MiB) and `CHARM_TELEMETRY_JSONL_KEEP` (default 5).
    package convenience init(context: ExporterContext) {
        self.init(
            path: context.value("CHARM_TELEMETRY_JSONL_PATH") ?? "charm-telemetry.jsonl",
            maxBytes: context.value("CHARM_TELEMETRY_JSONL_MAX_BYTES").flatMap(Int.init) ?? 50 << 20,
            keep: context.value("CHARM_TELEMETRY_JSONL_KEEP").flatMap(Int.init) ?? 5)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "NDJSON file of events, replayable by the monitor (rotating)"
    ) { context in JSONLExporter(context: context) }

    /// Writes the event's line; throws (and counts) when the file cannot be written.
    public func handle(_ event: TelemetryEvent) throws {
        var line = ReplayLine.bytes(for: event)
        line.append(0x0A)
        let failure = state.withLock { s -> TelemetryError? in
            let failure = append(line, &s)
            s.lastFailed = failure != nil
            if let failure {
                s.failed += 1
                s.lastError = failure.message
            } else {
                s.written += 1
            }
            return failure
        }
        if let failure { throw failure }
    }

    /// Writes one line, rotating first if needed; returns the error instead of throwing so
    /// the state stays consistent under the lock.
    private func append(_ line: [UInt8], _ s: inout State) -> TelemetryError? {
        if s.fd >= 0 && s.size > 0 && s.size + line.count > maxBytes {
            close(s.fd)
            s.fd = -1
            rotate()
        }
        if s.fd < 0 {
            // Read access only to check the last byte (see `endsWithNewline`); a file we may
            // only write is still written.
            s.fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if s.fd < 0 && errno == EACCES { s.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC) }
            guard s.fd >= 0 else { return TelemetryError(type: "IOError", message: "cannot open \(path): \(errnoText())") }
            var st = stat()
            s.size = fstat(s.fd, &st) == 0 ? Int(st.st_size) : 0
            // A crash (ours or another writer's) can leave a torn last line. Appending
            // straight after it would merge our first event into that fragment, and a
            // reader would lose both: start on a fresh line instead.
            if s.size > 0 && !endsWithNewline(s.fd, size: s.size) {
                var newline: UInt8 = 0x0A
                if posixWrite(s.fd, &newline, 1) == 1 { s.size += 1 }
            }
        }
        var offset = 0
        while offset < line.count {
            let n = line.withUnsafeBytes { buf in
                posixWrite(s.fd, buf.baseAddress! + offset, line.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return TelemetryError(type: "IOError", message: "cannot write \(path): \(errnoText())")
            }
            offset += n
        }
        s.size += line.count
        return nil
    }

    private func rotate() {
        guard keep > 0 else {
            unlink(path)
            return
        }
        unlink("\(path).\(keep)")
        var i = keep - 1
        while i >= 1 {
            rename("\(path).\(i)", "\(path).\(i + 1)")
            i -= 1
        }
        rename(path, "\(path).1")
    }

    /// Whether the file's last byte is a newline (true when it cannot be read: then there
    /// is nothing we could repair).
    private func endsWithNewline(_ fd: Int32, size: Int) -> Bool {
        var last: UInt8 = 0
        return pread(fd, &last, 1, off_t(size - 1)) != 1 || last == 0x0A
    }

    private func errnoText() -> String { String(cString: strerror(errno)) }

    /// Lines are written as they come; nothing is buffered.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { true }

    /// Closes the file.
    public func shutdown() {
        state.withLock { s in
            if s.fd >= 0 { close(s.fd) }
            s.fd = -1
        }
    }

    /// Lines written, the last write error, and failing while writes fail.
    package var status: ExporterStatus {
        state.withLock { s in
            ExporterStatus(health: s.lastFailed ? .failing : .ok, sent: s.written, lastError: s.lastError)
        }
    }
}

/// `write(2)`, named apart from the exporter's own `write` method.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buf, count)
    #else
    Darwin.write(fd, buf, count)
    #endif
}
