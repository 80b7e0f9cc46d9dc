#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a byte stream into `DecodedRecord`s, one line at a time, whatever the framing.
///
/// No flag says which framing a source uses: each line is recognised on its own, so a
/// container's stdout (`__CHARM_EVENT__{json}`, `::CHARM_EVENT::{json}`, raw prints), the
/// runner's SSE (`data: {json}` + blank line; `event:`, `id:`, `retry:` and `:` comments
/// tolerated) and bare NDJSON can even be mixed. Nothing crashes it: invalid UTF-8 becomes
/// U+FFFD, NUL bytes are data, CRLF is accepted, and a line longer than `maxLineLength` is
/// skipped (counted as `.oversized`) without being held in memory. The same limit bounds a
/// whole SSE frame: `data:` lines that never meet their blank line cannot pile up.
public struct StreamDecoder {
    /// The default longest line kept: 16 MiB, so a 10 MB tool output still decodes.
    public static let defaultMaxLineLength = 16 << 20

    static let prefixBytes = Array(CharmProtocol.eventPrefix.utf8)
    static let alternatePrefixBytes = Array(CharmProtocol.alternatePrefix.utf8)

    /// The source's name, used for legacy runs (`legacy:<name>`).
    public let sourceName: String
    /// Lines longer than this many bytes are skipped and reported as `.oversized`; so are SSE
    /// frames whose `data:` lines add up to more.
    public let maxLineLength: Int
    /// The id of the last SSE event dispatched, for reconnecting with `Last-Event-ID`.
    ///
    /// Set when an event is dispatched (at its blank line), never when its `id:` line is
    /// read: the SSE specification's rule, so an event cut by a disconnect after its `id:`
    /// is asked for again instead of skipped. An empty id (`id:` alone) means "none".
    public private(set) var lastEventID: String?
    /// Lines read so far.
    public private(set) var lineNumber = 0

    private var carry: [UInt8] = []
    private var skipping = false
    private var skippedBytes = 0
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
    /// record, its data dropped, and the rest of it is only counted (for `abandonPartial`)
    /// until it ends.
    private var sseOversized = false
    private var sseSkippedBytes = 0
    private var legacy: LegacyInterpreter
    /// While a parallel feed collects (see `StreamDecoder+Parallel.swift`): what the lines
    /// stand for, in order, with the JSON still to parse.
    var collecting = false
    var jobs: [DecodeJob] = []
    /// Set `true` to parse large feeds on two threads (see `feedParallel`).
    public var parallelParsing = false

    /// A decoder for the source named `sourceName`.
    public init(sourceName: String = "stdin", maxLineLength: Int = StreamDecoder.defaultMaxLineLength) {
        self.sourceName = sourceName
        self.maxLineLength = maxLineLength
        self.legacy = LegacyInterpreter(sourceName: sourceName)
    }

    /// Decodes the complete lines in `bytes` (keeping a partial last line for the next call).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (DecodedRecord) -> Void) {
        if parallelParsing && bytes.count >= StreamDecoder.parallelMinimumBytes {
            feedParallel(bytes, emit)
        } else {
            feedLines(bytes, emit)
        }
    }

    /// Splits `bytes` into lines and handles each (`emit` directly, or into `jobs` while
    /// collecting).
    mutating func feedLines(_ bytes: UnsafeRawBufferPointer, _ emit: (DecodedRecord) -> Void) {
        // A frame still open at the end of this buffer must not point into it.
        defer { keepSSESpan() }
        let buf = bytes.bindMemory(to: UInt8.self)
        var start = 0
        let n = buf.count
        while start < n {
            // memchr is much faster than a byte loop on long lines.
            let remaining = n - start
            let found = memchrIndex(buf, from: start, count: remaining)
            guard let nl = found else {
                appendCarry(UnsafeBufferPointer(rebasing: buf[start..<n]), emit)
                return
            }
            if skipping {
                skippedBytes += nl - start
                finishSkip(emit)
            } else if carry.isEmpty {
                handleLine(UnsafeBufferPointer(rebasing: buf[start..<nl]), stable: true, emit)
            } else {
                appendCarry(UnsafeBufferPointer(rebasing: buf[start..<nl]), emit)
                if skipping {
                    finishSkip(emit)
                } else {
                    var line: [UInt8] = []
                    swap(&line, &carry)
                    line.withUnsafeBufferPointer { handleLine($0, stable: false, emit) }
                    line.removeAll(keepingCapacity: true)
                    if carry.isEmpty { swap(&line, &carry) }
                }
            }
            start = nl + 1
        }
    }

    /// Decodes bytes given as an array.
    public mutating func feed(_ bytes: [UInt8], _ emit: (DecodedRecord) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit) }
    }

    /// Decodes the text of `string` (a convenience for tests and small inputs).
    public mutating func feed(_ string: String, _ emit: (DecodedRecord) -> Void) {
        feed(Array(string.utf8), emit)
    }

    /// Ends the stream: a last line without a newline, and a pending SSE frame, are decoded.
    public mutating func finish(_ emit: (DecodedRecord) -> Void) {
        if skipping {
            finishSkip(emit)
        } else if !carry.isEmpty {
            let line = carry
            carry.removeAll()
            line.withUnsafeBufferPointer { handleLine($0, stable: false, emit) }
        }
        flushSSE(emit)
    }

    /// Ends a connection the way Server-Sent Events end one: a partial last line and an
    /// unterminated `data:` frame are dropped, not decoded, because the SSE specification
    /// dispatches an event only at its blank line and discards the rest at end of stream;
    /// the server sends the event again after a reconnect with `Last-Event-ID`. An `id:` of
    /// the dropped frame is forgotten with it (`lastEventID` stays the last dispatched one),
    /// so the reconnect asks for that event again. Returns the number of bytes dropped. The
    /// decoder stays usable for the next connection.
    @discardableResult
    public mutating func abandonPartial() -> Int {
        keepSSESpan()
        let frame = sseOversized ? sseSkippedBytes : (sseHasData ? sseData.count : 0)
        let dropped = (skipping ? skippedBytes : carry.count) + frame
        carry.removeAll(keepingCapacity: true)
        skipping = false
        skippedBytes = 0
        sseData.removeAll(keepingCapacity: true)
        sseHasData = false
        sseOversized = false
        sseSkippedBytes = 0
        pendingEventID = nil
        return dropped
    }

    /// Decodes a whole input at once.
    public static func decodeAll(_ text: String, sourceName: String = "stdin") -> [DecodedRecord] {
        var d = StreamDecoder(sourceName: sourceName)
        var out: [DecodedRecord] = []
        d.feed(text) { out.append($0) }
        d.finish { out.append($0) }
        return out
    }

    private func memchrIndex(_ buf: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> Int? {
        guard let base = buf.baseAddress, let p = memchr(base + from, 0x0A, count) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func appendCarry(_ part: UnsafeBufferPointer<UInt8>, _ emit: (DecodedRecord) -> Void) {
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

    private mutating func finishSkip(_ emit: (DecodedRecord) -> Void) {
        lineNumber += 1
        put(.oversized(bytes: skippedBytes, line: lineNumber), emit)
        skipping = false
        skippedBytes = 0
    }

    /// Handles one line; `stable` says whether it lies in the caller's buffer for the whole
    /// `feed` (so an SSE frame or a deferred parse may point into it) rather than in `carry`.
    private mutating func handleLine(_ raw: UnsafeBufferPointer<UInt8>, stable: Bool, _ emit: (DecodedRecord) -> Void) {
        lineNumber += 1
        var line = raw
        if line.count > maxLineLength {
            put(.oversized(bytes: line.count, line: lineNumber), emit)
            return
        }
        if let last = line.last, last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        // Leading/trailing blanks never change a line's meaning; Charm's runner strips them too.
        var lo = 0, hi = line.count
        while lo < hi, line[lo] == 0x20 || line[lo] == 0x09 { lo += 1 }
        while hi > lo, line[hi - 1] == 0x20 || line[hi - 1] == 0x09 || line[hi - 1] == 0x0D { hi -= 1 }
        let t = UnsafeBufferPointer(rebasing: line[lo..<hi])
        if t.isEmpty {
            // The blank line dispatches the frame, and with it (even without data) its id.
            flushSSE(emit)
            commitEventID()
            return
        }
        let first = t[0]
        if first == UInt8(ascii: "{") {
            flushSSE(emit)
            decodeJSON(t, framing: .ndjson, line: lineNumber, stable: stable, emit)
            return
        }
        if first == UInt8(ascii: "_") || first == UInt8(ascii: ":") || first == UInt8(ascii: "d")
            || first == UInt8(ascii: "e") || first == UInt8(ascii: "i") || first == UInt8(ascii: "r")
        {
            if let rest = t.after(prefix: "data:") {
                let body = rest.first == 0x20 ? UnsafeBufferPointer(rebasing: rest.dropFirst()) : rest
                if sseOversized {
                    sseSkippedBytes += 1 + body.count
                    return
                }
                let frameBytes = sseHasData ? (sseSpan?.count ?? sseData.count) + 1 + body.count : body.count
                if frameBytes > maxLineLength {
                    // The whole frame is what must fit, not each line: drop what was kept,
                    // report it now (at the line that crossed the limit, so oversized records
                    // stay in line order, as oversized lines are), and skip the rest of it.
                    if !sseHasData { sseLine = lineNumber }
                    sseHasData = true
                    sseOversized = true
                    sseSkippedBytes = frameBytes
                    sseSpan = nil
                    sseData.removeAll(keepingCapacity: false)
                    put(.oversized(bytes: frameBytes, line: lineNumber), emit)
                    return
                }
                if !sseHasData && stable {
                    sseLine = lineNumber
                    sseHasData = true
                    sseSpan = body
                    return
                }
                keepSSESpan()
                if sseHasData { sseData.append(0x0A) } else { sseLine = lineNumber }
                sseHasData = true
                sseData.append(contentsOf: body)
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
        flushSSE(emit)
        if let r = t.find(StreamDecoder.prefixBytes) ?? t.find(StreamDecoder.alternatePrefixBytes) {
            var j = UnsafeBufferPointer(rebasing: t[r...])
            while let f = j.first, f == 0x20 || f == 0x09 { j = UnsafeBufferPointer(rebasing: j.dropFirst()) }
            decodeJSON(j, framing: .prefixed, line: lineNumber, stable: stable, emit)
            return
        }
        put(.raw(String(decoding: t, as: UTF8.self)), emit)
    }

    /// Copies a frame's data line out of the caller's buffer, which is about to go away (or
    /// is about to get a second data line).
    mutating func keepSSESpan() {
        guard let span = sseSpan else { return }
        sseData.append(contentsOf: span)
        sseSpan = nil
    }

    /// Makes the buffered `id:` the last event id: its frame was dispatched.
    private mutating func commitEventID() {
        if let id = pendingEventID {
            lastEventID = id
            pendingEventID = nil
        }
    }

    private mutating func flushSSE(_ emit: (DecodedRecord) -> Void) {
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
            decodeJSON(span, framing: .sse, line: sseLine, stable: true, emit)
            return
        }
        // Swapped out rather than copied: a copy would share the buffer, and clearing the
        // original would then allocate a new one for every event.
        var data: [UInt8] = []
        swap(&data, &sseData)
        sseHasData = false
        data.withUnsafeBufferPointer { decodeJSON($0, framing: .sse, line: sseLine, stable: false, emit) }
        data.removeAll(keepingCapacity: true)
        swap(&data, &sseData)
    }

    /// Emits `record`, or keeps it in `jobs` while a parallel feed collects.
    private mutating func put(_ record: DecodedRecord, _ emit: (DecodedRecord) -> Void) {
        if collecting { jobs.append(.record(record)) } else { emit(record) }
    }

    /// Parses one JSON line now, or (collecting) leaves it to the parallel phase; `stable`
    /// says whether `bytes` outlive this call (else a deferred parse gets a copy).
    private mutating func decodeJSON(
        _ bytes: UnsafeBufferPointer<UInt8>, framing: Framing, line: Int, stable: Bool, _ emit: (DecodedRecord) -> Void
    ) {
        if collecting {
            jobs.append(.json(stable ? .borrowed(bytes) : .owned(Array(bytes)), framing: framing, line: line))
            return
        }
        complete(StreamDecoder.prepare(bytes, framing: framing, line: line), emit)
    }

    /// The part of decoding a JSON line that depends on nothing but its bytes, safe on any
    /// thread: a malformed line's record, a structured line's whole record, or the parsed
    /// line of an event the legacy interpreter must see in order.
    static func prepare(_ bytes: UnsafeBufferPointer<UInt8>, framing: Framing, line number: Int) -> PreparedLine {
        func malformed(_ reason: String) -> PreparedLine {
            let text = String(decoding: bytes.prefix(MalformedLine.previewLength * 4), as: UTF8.self)
            let preview = String(text.prefix(MalformedLine.previewLength))
            return .record(.malformed(MalformedLine(framing: framing, reason: reason, preview: preview, line: number)), structured: false)
        }
        var line: EventLine
        do {
            guard let l = try JSONParser.parseEventLine(bytes) else { return malformed("not a JSON object") }
            line = l
        } catch {
            return malformed("not JSON: \(error)")
        }
        guard let type = line.object["type"]?.stringValue else { return malformed("no string \"type\"") }
        if let structured = line.telemetry.take() {
            // The common case, built in one go: the line's parts move into the record.
            let event = WireEvent(
                type: type, object: line.object, framing: framing, hookEvents: HookEvents(structured), isStructured: true)
            return .record(.event(event), structured: true)
        }
        return .general(type: type, object: line.object, framing: framing)
    }

    /// The rest of decoding a JSON line, in stream order: the legacy interpreter's state.
    mutating func complete(_ prepared: PreparedLine, _ emit: (DecodedRecord) -> Void) {
        switch prepared {
        case .record(let record, let structured):
            if structured { legacy.markStructured() }
            emit(record)
        case .general(let type, let object, let framing):
            var event = WireEvent(type: type, object: object, framing: framing)
            if let t = object["telemetry"] {
                // Present but not a valid event: the general reader says why.
                if let to = t.objectValue {
                    do {
                        event.hookEvents = HookEvents(try TelemetryEvent(telemetry: to))
                        event.object["telemetry"] = nil
                        event.isStructured = true
                        legacy.markStructured()
                    } catch {
                        event.telemetryIssue = error.description
                    }
                } else {
                    event.telemetryIssue = "telemetry is not an object"
                }
            }
            if event.hookEvents.isEmpty {
                event.hookEvents = HookEvents(legacy.interpret(type: type, object: object))
            }
            emit(.event(event))
        }
    }
}

/// A JSON line after its order-free part (`StreamDecoder.prepare`).
enum PreparedLine {
    /// The finished record; `structured` tells the legacy interpreter a structured line came.
    case record(DecodedRecord, structured: Bool)
    /// A valid event without a readable `telemetry` object: legacy rebuilding still to do.
    case general(type: String, object: JSONObject, framing: Framing)
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes after `prefix` when the buffer starts with it.
    fileprivate func after(prefix: StaticString) -> UnsafeBufferPointer<UInt8>? {
        let n = prefix.utf8CodeUnitCount
        guard count >= n else { return nil }
        let p = prefix.utf8Start
        for k in 0..<n where self[k] != p[k] { return nil }
        return UnsafeBufferPointer(rebasing: self[n...])
    }

    /// The index just after the first occurrence of `needle`.
    fileprivate func find(_ nb: [UInt8]) -> Int? {
        guard count >= nb.count, let base = baseAddress else { return nil }
        if memcmp(base, nb, nb.count) == 0 { return nb.count }
        var i = 1
        let last = count - nb.count
        while i <= last {
            guard let p = memchr(base + i, Int32(nb[0]), last - i + 1) else { return nil }
            let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + at, nb, nb.count) == 0 { return at + nb.count }
            i = at + 1
        }
        return nil
    }
}
