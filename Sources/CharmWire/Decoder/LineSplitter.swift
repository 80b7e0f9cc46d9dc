#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoder's first part: bytes, in chunks of any size, to numbered lines.
///
/// A line ends at LF; the CR of a CRLF is dropped with it (a lone CR elsewhere is data: on a
/// container's stdout it is a progress bar's carriage return, and `SSELineEndings` turns the
/// SSE stream's lone CRs into LF before they get here). A line longer than `maxLineLength`
/// is reported as oversized, never held: once the carried part of a line crosses the limit,
/// the rest of it is only counted until its LF.
struct LineSplitter {
    /// What `split` hands on for each line.
    enum Piece {
        /// Line `number` (from 1) without its LF (or CRLF). `stable` says whether the bytes
        /// lie in the caller's buffer for the whole `feed`, rather than in the splitter's own
        /// carry, which is reused for the next line.
        case line(UnsafeBufferPointer<UInt8>, number: Int, stable: Bool)
        /// Line `number`, longer than `maxLineLength`, skipped; its length in bytes.
        case oversized(bytes: Int, number: Int)
    }

    /// Lines longer than this many bytes are skipped.
    let maxLineLength: Int
    /// Lines read so far: the number of the line just handed on.
    private(set) var lineNumber = 0

    /// The start of a line whose LF has not come yet.
    private var carry: [UInt8] = []
    /// The carried line outgrew `maxLineLength`: its bytes are counted, not kept.
    private var skipping = false
    private var skippedBytes = 0

    init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    /// Hands each complete line in `buf` to `body`, keeping a partial last line for the next
    /// call.
    @inline(__always)
    mutating func split(_ buf: UnsafeBufferPointer<UInt8>, _ body: (Piece) -> Void) {
        var start = 0
        let n = buf.count
        while start < n {
            // memchr is much faster than a byte loop on long lines.
            guard let nl = memchrIndex(buf, from: start, count: n - start) else {
                appendCarry(UnsafeBufferPointer(rebasing: buf[start..<n]))
                return
            }
            if skipping {
                skippedBytes += nl - start
                finishSkip(body)
            } else if carry.isEmpty {
                hand(UnsafeBufferPointer(rebasing: buf[start..<nl]), stable: true, body)
            } else {
                appendCarry(UnsafeBufferPointer(rebasing: buf[start..<nl]))
                if skipping {
                    finishSkip(body)
                } else {
                    // Swapped out rather than copied, and its storage given back afterwards,
                    // so a carried line costs no allocation.
                    var line: [UInt8] = []
                    swap(&line, &carry)
                    line.withUnsafeBufferPointer { hand($0, stable: false, body) }
                    line.removeAll(keepingCapacity: true)
                    if carry.isEmpty { swap(&line, &carry) }
                }
            }
            start = nl + 1
        }
    }

    /// Hands on a last line that has no LF (the stream ended).
    mutating func finish(_ body: (Piece) -> Void) {
        if skipping {
            finishSkip(body)
        } else if !carry.isEmpty {
            let line = carry
            carry.removeAll()
            line.withUnsafeBufferPointer { hand($0, stable: false, body) }
        }
    }

    /// Drops a partial last line; returns its length in bytes (counted ones included).
    mutating func abandonPartial() -> Int {
        let dropped = skipping ? skippedBytes : carry.count
        carry.removeAll(keepingCapacity: true)
        skipping = false
        skippedBytes = 0
        return dropped
    }

    @inline(__always)
    private mutating func hand(_ raw: UnsafeBufferPointer<UInt8>, stable: Bool, _ body: (Piece) -> Void) {
        lineNumber += 1
        if raw.count > maxLineLength {
            body(.oversized(bytes: raw.count, number: lineNumber))
            return
        }
        if let last = raw.last, last == 0x0D {
            body(.line(UnsafeBufferPointer(rebasing: raw.dropLast()), number: lineNumber, stable: stable))
        } else {
            body(.line(raw, number: lineNumber, stable: stable))
        }
    }

    private func memchrIndex(_ buf: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> Int? {
        guard let base = buf.baseAddress, let p = memchr(base + from, 0x0A, count) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func appendCarry(_ part: UnsafeBufferPointer<UInt8>) {
        if skipping {
            skippedBytes += part.count
            return
        }
        if carry.count + part.count > maxLineLength {
            skipping = true
            skippedBytes = carry.count + part.count
            carry.removeAll()
            return
        }
        carry.append(contentsOf: part)
    }

    private mutating func finishSkip(_ body: (Piece) -> Void) {
        lineNumber += 1
        body(.oversized(bytes: skippedBytes, number: lineNumber))
        skipping = false
        skippedBytes = 0
    }
}
