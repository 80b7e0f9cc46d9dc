#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A file descriptor that receives whole lines: one `write` loop per line under a lock, so
/// lines from concurrent writers never interleave.
///
/// Unbuffered on purpose: each line reaches the reader (Charm's runner, the monitor) as soon
/// as it is written, so the emitter's latency is bounded by its queue, not by a buffer.
public final class CharmOutput: Sendable {
    private let fd: Mutex<Int32>
    private let failures = Atomic<Int>(0)

    /// An output on file descriptor `fd`.
    public init(fileDescriptor fd: Int32) { self.fd = Mutex(fd) }

    /// The process's real standard output (file descriptor 1 as it was at start-up, even if
    /// `StdoutInterceptor` later redirects 1 to catch raw prints).
    public static let standard = CharmOutput(fileDescriptor: 1)

    /// Writes of which the reader went away (EPIPE) or the descriptor failed; lines are lost
    /// then, never retried, so a vanished reader never blocks the agent.
    public var failedWrites: Int { failures.load(ordering: .relaxed) }

    /// Points the output at another descriptor (used by the interceptor).
    public func redirect(to newFD: Int32) { fd.withLock { $0 = newFD } }

    /// Writes `bytes` whole.
    public func write(_ bytes: [UInt8]) {
        fd.withLock { fd in
            bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    #if canImport(Glibc)
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    #else
                    let n = Darwin.write(fd, raw.baseAddress! + off, raw.count - off)
                    #endif
                    if n > 0 { off += n; continue }
                    if n < 0 && errno == EINTR { continue }
                    failures.wrappingAdd(1, ordering: .relaxed)
                    return
                }
            }
        }
    }
}
