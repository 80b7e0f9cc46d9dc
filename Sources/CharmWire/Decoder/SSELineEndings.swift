#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the three line endings the SSE specification allows (CRLF, LF, and CR alone) into
/// LF, chunk by chunk, so `StreamDecoder` (which splits at LF) reads any of them.
///
/// Without it a server ending its lines with CR alone delivers one endless line: no event is
/// ever dispatched, and the stream is dropped and fetched again forever. Kept out of
/// `StreamDecoder` because there a lone CR is part of a raw print (a progress bar's
/// carriage return on a container's stdout), not a line end.
///
/// A CR at the end of one chunk and an LF at the start of the next are one CRLF: the state
/// between chunks is whether the last byte was a CR.
package struct SSELineEndings: Sendable {
    private var afterCR = false
    private var scratch: [UInt8] = []

    /// A normaliser at the start of a stream.
    package init() {}

    /// Calls `body` with `bytes` with every line ending made LF (the same bytes, uncopied,
    /// when they hold no CR and do not complete a CRLF split across chunks).
    package mutating func normalize(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var input = bytes
        if afterCR {
            afterCR = false
            // The LF of a CRLF whose CR ended the previous chunk: already a line end.
            if base.load(as: UInt8.self) == 0x0A { input = UnsafeRawBufferPointer(rebasing: bytes.dropFirst()) }
        }
        guard let start = input.baseAddress, input.count > 0 else { return }
        // The usual case (LF-only streams): no CR at all, handed on as it is.
        guard memchr(start, 0x0D, input.count) != nil else {
            body(input)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(input.count)
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            if b == 0x0D {
                scratch.append(0x0A)
                if i + 1 < n {
                    if input[i + 1] == 0x0A { i += 1 }
                } else {
                    afterCR = true
                }
            } else {
                scratch.append(b)
            }
            i += 1
        }
        scratch.withUnsafeBytes { body($0) }
    }

    /// Forgets a CR that ended the last chunk: the connection is over and the next one
    /// starts a new stream.
    package mutating func reset() { afterCR = false }
}
