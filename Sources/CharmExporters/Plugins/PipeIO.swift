#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking reads and writes on a child's pipes, for the threads that own them.
enum PipeIO {
    /// Ignores SIGPIPE for the whole process, once: a plugin that exits while we write must
    /// give us EPIPE, not kill the agent.
    static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Writes all of `bytes` to `fd`, retrying after interruptions; false if the pipe failed
    /// (its reader is gone).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// The longest line handed over whole; a longer one is handed over in pieces of this
    /// size, so a child that never ends a line cannot grow our memory.
    static let maxLine = 16_384

    /// Reads `fd` to its end, handing over each line without its newline.
    static func readLines(_ fd: Int32, _ handle: ([UInt8]) -> Void) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: chunk[0..<n])
            while let nl = pending.firstIndex(of: 0x0A) {
                handle(Array(pending[..<nl]))
                pending.removeSubrange(...nl)
            }
            if pending.count > maxLine {
                handle(pending)
                pending.removeAll()
            }
        }
        if !pending.isEmpty { handle(pending) }
    }
}
