#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry

/// The decoder's second part: what each line is, whatever the framing, with no flag to say.
///
/// A container's stdout (`__CHARM_EVENT__{json}`, `::CHARM_EVENT::{json}`, raw prints), the
/// runner's Server-Sent Events (`data: {json}` lines ended by a blank line; `event:`, `id:`,
/// `retry:` and `:` comments tolerated) and bare NDJSON are told apart line by line, so they
/// may even be mixed. An SSE frame's `data:` lines are gathered until its blank line; the
/// whole frame is bounded by `maxLineLength`, so lines that never meet their blank line
/// cannot pile up.
struct FrameRecognizer {
    /// What a line, or a finished SSE frame, stands for.
    enum Frame {
        /// JSON that should be one event: the bytes, how they were framed, the line number
        /// (an SSE frame's first `data:` line), and whether the bytes lie in the caller's
        /// buffer for the whole `feed` rather than in storage about to be reused.
        case json(UnsafeBufferPointer<UInt8>, framing: Framing, line: Int, stable: Bool)
        /// A non-empty line that is no event: a raw print, trimmed.
        case raw(UnsafeBufferPointer<UInt8>)
        /// An SSE frame that outgrew `maxLineLength`, reported at the line that crossed it.
        case oversized(bytes: Int, line: Int)
    }

    /// The prefix of an event line on a container's stdout; the emitter writes it.
    static let prefixBytes = Array(CharmProtocol.eventPrefix.utf8)
    /// The other prefix Charm's runner accepts; only ever read, never written.
    static let alternatePrefixBytes = Array("::CHARM_EVENT::".utf8)

    /// The longest SSE frame kept, counting the LFs that join its `data:` lines.
    let maxLineLength: Int
    /// The id of the last SSE event dispatched (see `StreamDecoder.lastEventID`).
    private(set) var lastEventID: String?

    /// The frame's `data:` lines so far, joined by LF.
    private var sseData: [UInt8] = []
    /// A frame's only `data:` line so far, when it lies in the caller's buffer: read in place
    /// at the blank line instead of being copied into `sseData`. Never kept past a `feed`.
    private var sseSpan: UnsafeBufferPointer<UInt8>?
    private var sseHasData = false
    private var sseLine = 0
    /// The specification's "last event ID buffer": an `id:` read in the frame being built,
    /// committed to `lastEventID` when the frame is dispatched, forgotten if it never is.
    private var pendingEventID: String?
    /// The frame being built outgrew `maxLineLength`: it was reported as one `.oversized`
    /// frame, its data dropped, and the rest of it is only counted (for `abandonPartial`)
    /// until it ends.
    private var sseOversized = false
    private var sseSkippedBytes = 0

    init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    /// Recognises line `number` (without its line end); hands `out` what it stands for, after
    /// the SSE frame it ends, if any.
    @inline(__always)
    mutating func recognize(_ line: UnsafeBufferPointer<UInt8>, number: Int, stable: Bool, _ out: (Frame) -> Void) {
        // Leading/trailing blanks never change a line's meaning; Charm's runner strips them too.
        var lo = 0, hi = line.count
        while lo < hi, line[lo] == 0x20 || line[lo] == 0x09 { lo += 1 }
        while hi > lo, line[hi - 1] == 0x20 || line[hi - 1] == 0x09 || line[hi - 1] == 0x0D { hi -= 1 }
        let t = UnsafeBufferPointer(rebasing: line[lo..<hi])
        if t.isEmpty {
            // The blank line dispatches the frame, and with it (even without data) its id.
            flush(out)
            commitEventID()
            return
        }
        let first = t[0]
        if first == UInt8(ascii: "{") {
            flush(out)
            out(.json(t, framing: .ndjson, line: number, stable: stable))
            return
        }
        if first == UInt8(ascii: "_") || first == UInt8(ascii: ":") || first == UInt8(ascii: "d")
            || first == UInt8(ascii: "e") || first == UInt8(ascii: "i") || first == UInt8(ascii: "r")
        {
            if let rest = t.after(prefix: "data:") {
                let body = rest.first == 0x20 ? UnsafeBufferPointer(rebasing: rest.dropFirst()) : rest
                addData(body, number: number, stable: stable, out)
                return
            }
            if first == UInt8(ascii: ":") && t.after(prefix: "::CHARM_EVENT::") == nil { return }  // SSE comment
            if let rest = t.after(prefix: "id:") {
                let v = rest.first == 0x20 ? UnsafeBufferPointer(rebasing: rest.dropFirst()) : rest
                // Only buffered: it becomes the last event id when its frame is dispatched.
                // An id holding NUL is ignored, as the specification says.
                if !v.contains(0) { pendingEventID = String(decoding: v, as: UTF8.self) }
                return
            }
            if t.after(prefix: "event:") != nil || t.after(prefix: "retry:") != nil { return }
        }
        flush(out)
        if let r = t.find(FrameRecognizer.prefixBytes) ?? t.find(FrameRecognizer.alternatePrefixBytes) {
            var j = UnsafeBufferPointer(rebasing: t[r...])
            while let f = j.first, f == 0x20 || f == 0x09 { j = UnsafeBufferPointer(rebasing: j.dropFirst()) }
            out(.json(j, framing: .prefixed, line: number, stable: stable))
            return
        }
        out(.raw(t))
    }

    /// Dispatches the SSE frame being built, if any: at its blank line, at a line of another
    /// framing, and at the end of the stream.
    mutating func flush(_ out: (Frame) -> Void) {
        guard sseHasData else { return }
        // A frame ended by a non-SSE line (mixed framings) is dispatched too, so its id counts.
        commitEventID()
        if sseOversized {
            // Already reported when it crossed the limit.
            sseHasData = false
            sseOversized = false
            sseSkippedBytes = 0
            return
        }
        if let span = sseSpan {
            sseSpan = nil
            sseHasData = false
            out(.json(span, framing: .sse, line: sseLine, stable: true))
            return
        }
        // Swapped out rather than copied: a copy would share the buffer, and clearing the
        // original would then allocate a new one for every event.
        var data: [UInt8] = []
        swap(&data, &sseData)
        sseHasData = false
        data.withUnsafeBufferPointer { out(.json($0, framing: .sse, line: sseLine, stable: false)) }
        data.removeAll(keepingCapacity: true)
        swap(&data, &sseData)
    }

    /// Copies a frame's data line out of the caller's buffer, which is about to go away (or
    /// is about to get a second data line).
    mutating func keepSpan() {
        guard let span = sseSpan else { return }
        sseData.append(contentsOf: span)
        sseSpan = nil
    }

    /// Drops an unterminated frame and its `id:`; returns the frame's length in bytes.
    mutating func abandonPartial() -> Int {
        keepSpan()
        let dropped = sseOversized ? sseSkippedBytes : (sseHasData ? sseData.count : 0)
        sseData.removeAll(keepingCapacity: true)
        sseHasData = false
        sseOversized = false
        sseSkippedBytes = 0
        pendingEventID = nil
        return dropped
    }

    /// Adds a `data:` line's value to the frame being built.
    private mutating func addData(_ body: UnsafeBufferPointer<UInt8>, number: Int, stable: Bool, _ out: (Frame) -> Void) {
        if sseOversized {
            sseSkippedBytes += 1 + body.count
            return
        }
        let frameBytes = sseHasData ? (sseSpan?.count ?? sseData.count) + 1 + body.count : body.count
        if frameBytes > maxLineLength {
            // The whole frame is what must fit, not each line: drop what was kept, report it
            // now (at the line that crossed the limit, so oversized records stay in line
            // order, as oversized lines are), and skip the rest of it.
            if !sseHasData { sseLine = number }
            sseHasData = true
            sseOversized = true
            sseSkippedBytes = frameBytes
            sseSpan = nil
            sseData.removeAll(keepingCapacity: false)
            out(.oversized(bytes: frameBytes, line: number))
            return
        }
        if !sseHasData && stable {
            sseLine = number
            sseHasData = true
            sseSpan = body
            return
        }
        keepSpan()
        if sseHasData { sseData.append(0x0A) } else { sseLine = number }
        sseHasData = true
        sseData.append(contentsOf: body)
    }

    /// Makes the buffered `id:` the last event id: its frame was dispatched.
    private mutating func commitEventID() {
        if let id = pendingEventID {
            lastEventID = id
            pendingEventID = nil
        }
    }
}
