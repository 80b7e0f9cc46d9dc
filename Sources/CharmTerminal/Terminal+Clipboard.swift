import CharmTerminalKit

#if canImport(Glibc)
import Glibc
#endif

extension Terminal {
    /// Puts `text` on the clipboard with OSC 52 (`ClipboardSequence`); `text` should already
    /// be capped (`ClipboardSequence.capped`). Returns false when the sequence could not be
    /// written (the terminal went away); whether the terminal honoured it cannot be known.
    ///
    /// Call it on the terminal's thread between frames, as the front end does: `draw` ends
    /// with `doupdate`, which writes every byte of the frame to this same descriptor with
    /// write(2) before it returns (ncurses keeps its own output buffer and flushes it there),
    /// so the sequence never lands inside a half-drawn frame and the next frame starts after
    /// it. It moves no cursor and draws nothing, so ncurses' picture of the screen stays true.
    @discardableResult
    package func setClipboard(_ text: String) -> Bool {
        guard isActive, outputDescriptor >= 0 else { return false }
        let bytes = ClipboardSequence.sequence(for: text)
        return bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(outputDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    // A non-blocking descriptor that is full: wait a little for room, once
                    // per stall, rather than spin or leave half a sequence behind unasked.
                    var ready = pollfd(fd: outputDescriptor, events: Int16(POLLOUT), revents: 0)
                    if errno == EAGAIN, poll(&ready, 1, 1_000) > 0 { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}
