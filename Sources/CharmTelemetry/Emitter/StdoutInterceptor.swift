#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Catches an agent's raw prints and turns them into `thinking` events, like charmos'
/// `StdoutInterceptor`, while protocol lines keep going to the real stdout.
///
/// File descriptor 1 is pointed at a pipe; a reader thread splits what arrives into lines and
/// writes each non-blank one as `__CHARM_EVENT__{"type": "thinking", "content": line + "\n"}`
/// (lines that already carry the prefix pass through unchanged), through the same
/// `CharmOutput` the emitter uses, so nothing interleaves.
public final class StdoutInterceptor: Sendable {
    private let realFD: Int32
    private let readFD: Int32
    private let output: CharmOutput
    private let done = DispatchSemaphore(value: 0)

    /// Installs the interceptor; the emitters' output keeps writing to the real stdout.
    /// Returns nil if the pipe cannot be made (prints then stay as they are).
    public convenience init?() { self.init(output: .standard) }

    /// Installs the interceptor; `output` (the emitter's) is redirected to the real stdout.
    package init?(output: CharmOutput) {
        fflush(nil)
        var fds: [Int32] = [0, 0]
        let real = dup(1)
        guard real >= 0, pipe(&fds) == 0 else { return nil }
        realFD = real
        readFD = fds[0]
        self.output = output
        output.redirect(to: real)
        dup2(fds[1], 1)
        close(fds[1])
        let thread = Thread { [self] in self.pump() }
        thread.name = "charm-stdout-interceptor"
        thread.start()
    }

    private func pump() {
        var pending: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        let prefix = Array(CharmProtocol.eventPrefix.utf8)
        func emit(_ line: ArraySlice<UInt8>) {
            if line.starts(with: prefix) {
                output.write(Array(line) + [0x0A])
                return
            }
            let text = String(decoding: line, as: UTF8.self)
            guard !text.allSatisfy(\.isWhitespace) else { return }
            output.write(CharmEmitter.line(type: "thinking", payload: ["content": .string(text + "\n")]))
        }
        while true {
            let n = read(readFD, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buf[0..<n])
            while let nl = pending.firstIndex(of: 0x0A) {
                emit(pending[..<nl])
                pending.removeSubrange(...nl)
            }
        }
        if !pending.isEmpty { emit(pending[...]) }
        done.signal()
    }

    /// Restores file descriptor 1 and writes any partial last line, like charmos' `flush()`.
    public func uninstall() {
        fflush(nil)
        dup2(realFD, 1)  // closes the pipe's only write end, so the reader sees end of file
        done.wait()
        close(readFD)
        output.redirect(to: 1)
        close(realFD)
    }
}
