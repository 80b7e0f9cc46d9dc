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
package final class CharmOutput: Sendable {
    private let fd: Mutex<Int32>
    private let failures = Atomic<Int>(0)

    /// An output on file descriptor `fd`.
    package init(fileDescriptor fd: Int32) { self.fd = Mutex(fd) }

    /// The process's real standard output (file descriptor 1 as it was at start-up, even if
    /// `StdoutInterceptor` later redirects 1 to catch raw prints).
    package static let standard = CharmOutput(fileDescriptor: 1)

    /// Lines lost because the reader went away (EPIPE) or the descriptor failed; never
    /// retried, so a vanished reader neither kills nor blocks the agent.
    package var failedWrites: Int { failures.load(ordering: .relaxed) }

    /// Points the output at another descriptor (used by the interceptor).
    package func redirect(to newFD: Int32) { fd.withLock { $0 = newFD } }

    /// Writes `bytes` whole; a line the reader can no longer take is dropped and counted.
    ///
    /// A write to a pipe whose reader is gone raises SIGPIPE, whose default action ends the
    /// process: an agent piped into `head -1` would die of its telemetry. The host's
    /// process-wide disposition is not ours to change (it may rely on SIGPIPE), so SIGPIPE
    /// is blocked on the writing thread only, for the duration of the write; the EPIPE
    /// write then raises a thread-directed SIGPIPE that stays pending, and it is consumed
    /// with `sigtimedwait` before the old mask comes back, unless one was already pending
    /// before the write (then it is the host's, and left alone).
    package func write(_ bytes: [UInt8]) {
        fd.withLock { fd in
            SIGPIPEGuard.withSIGPIPEBlocked { consumePipeSignal in
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
                        if n < 0 && errno == EPIPE { consumePipeSignal() }
                        failures.wrappingAdd(1, ordering: .relaxed)
                        return
                    }
                }
            }
        }
    }
}

/// Blocks SIGPIPE on the calling thread around a body, never touching the process's
/// disposition (see `CharmOutput.write`).
enum SIGPIPEGuard {
    /// Runs `body` with SIGPIPE blocked on this thread; `body`'s argument consumes the
    /// SIGPIPE a failed write left pending, when the thread had none pending before.
    static func withSIGPIPEBlocked<R>(_ body: (_ consumePipeSignal: () -> Void) -> R) -> R {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        var consumed = false
        return body {
            guard !consumed else { return }
            consumed = true
            // Only when the thread had SIGPIPE unblocked before: then nothing could have been
            // pending for it, and what is pending now is the one this write raised.
            guard sigismember(&previous, SIGPIPE) == 0 else { return }
            #if canImport(Glibc)
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            var set = pipeOnly
            while sigtimedwait(&set, nil, &zero) < 0 && errno == EINTR {}
            #else
            // Darwin has no sigtimedwait; its SO_NOSIGPIPE/F_SETNOSIGPIPE are the usual way.
            var set = pipeOnly
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) != 0 { var sig: Int32 = 0; sigwait(&set, &sig) }
            #endif
        }
    }
}
