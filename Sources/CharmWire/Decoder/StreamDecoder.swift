import CharmTelemetry

/// Turns a byte stream into `DecodedRecord`s, one line at a time, whatever the framing.
///
/// No flag says which framing a source uses: each line is recognised on its own, so a
/// container's stdout (`__CHARM_EVENT__{json}`, `::CHARM_EVENT::{json}`, raw prints), the
/// runner's SSE (`data: {json}` + blank line; `event:`, `id:`, `retry:` and `:` comments
/// tolerated) and bare NDJSON can even be mixed. Nothing crashes it: invalid UTF-8 becomes
/// U+FFFD, NUL bytes are data, CRLF is accepted, and a line longer than `maxLineLength` is
/// skipped (counted as `.oversized`) without being held in memory. The same limit bounds a
/// whole SSE frame: `data:` lines that never meet their blank line cannot pile up.
///
/// Four parts, each in a file of its own, in the order a byte meets them: `LineSplitter`
/// (bytes to lines), `FrameRecognizer` (what each line is), `EventLineParser` (an event
/// line's JSON to its record) and `LegacyInterpreter` (the hook events a line from Charm's
/// own SDK stands for).
public struct StreamDecoder {
    /// The default longest line kept: 16 MiB, so a 10 MB tool output still decodes.
    public static let defaultMaxLineLength = 16 << 20

    /// The source's name, used for legacy runs (`legacy:<name>`).
    package let sourceName: String
    /// Lines longer than this many bytes are skipped and reported as `.oversized`; so are SSE
    /// frames whose `data:` lines add up to more.
    package let maxLineLength: Int
    /// The id of the last SSE event dispatched, for reconnecting with `Last-Event-ID`.
    ///
    /// Set when an event is dispatched (at its blank line), never when its `id:` line is
    /// read: the SSE specification's rule, so an event cut by a disconnect after its `id:`
    /// is asked for again instead of skipped. An empty id (`id:` alone) means "none".
    package var lastEventID: String? { frames.lastEventID }
    /// Lines read so far.
    package var lineNumber: Int { lines.lineNumber }

    private var lines: LineSplitter
    private var frames: FrameRecognizer
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
        self.lines = LineSplitter(maxLineLength: maxLineLength)
        self.frames = FrameRecognizer(maxLineLength: maxLineLength)
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
        withParts { lines, frames, decoder in
            lines.split(bytes.bindMemory(to: UInt8.self)) { piece in decoder.handle(piece, &frames, emit) }
            // A frame still open at the end of this buffer must not point into it.
            frames.keepSpan()
        }
    }

    /// Decodes bytes given as an array.
    public mutating func feed(_ bytes: [UInt8], _ emit: (DecodedRecord) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit) }
    }

    /// Decodes the text of `string` (a convenience for tests and small inputs).
    package mutating func feed(_ string: String, _ emit: (DecodedRecord) -> Void) {
        feed(Array(string.utf8), emit)
    }

    /// Ends the stream: a last line without a newline, and a pending SSE frame, are decoded.
    public mutating func finish(_ emit: (DecodedRecord) -> Void) {
        withParts { lines, frames, decoder in
            lines.finish { piece in decoder.handle(piece, &frames, emit) }
            frames.flush { frame in decoder.handle(frame, emit) }
        }
    }

    /// Ends a connection the way Server-Sent Events end one: a partial last line and an
    /// unterminated `data:` frame are dropped, not decoded, because the SSE specification
    /// dispatches an event only at its blank line and discards the rest at end of stream;
    /// the server sends the event again after a reconnect with `Last-Event-ID`. An `id:` of
    /// the dropped frame is forgotten with it (`lastEventID` stays the last dispatched one),
    /// so the reconnect asks for that event again. Returns the number of bytes dropped. The
    /// decoder stays usable for the next connection.
    @discardableResult
    package mutating func abandonPartial() -> Int {
        let frame = frames.abandonPartial()
        return lines.abandonPartial() + frame
    }

    /// Decodes a whole input at once.
    public static func decodeAll(_ text: String, sourceName: String = "stdin") -> [DecodedRecord] {
        var d = StreamDecoder(sourceName: sourceName)
        var out: [DecodedRecord] = []
        d.feed(text) { out.append($0) }
        d.finish { out.append($0) }
        return out
    }

    /// Runs `body` with the splitter and the recogniser moved out of `self`, so the records
    /// they hand on can be dealt with (`handle`) while they are being changed. Moves, not
    /// copies: their buffers are never shared, so never copied on write.
    private mutating func withParts(_ body: (inout LineSplitter, inout FrameRecognizer, inout StreamDecoder) -> Void) {
        var l = LineSplitter(maxLineLength: 0), f = FrameRecognizer(maxLineLength: 0)
        swap(&l, &lines)
        swap(&f, &frames)
        body(&l, &f, &self)
        swap(&l, &lines)
        swap(&f, &frames)
    }

    /// One line from the splitter, to the frame recogniser.
    @inline(__always)
    private mutating func handle(_ piece: LineSplitter.Piece, _ frames: inout FrameRecognizer, _ emit: (DecodedRecord) -> Void) {
        switch piece {
        case .line(let line, let number, let stable):
            frames.recognize(line, number: number, stable: stable) { frame in handle(frame, emit) }
        case .oversized(let bytes, let number):
            put(.oversized(bytes: bytes, line: number), emit)
        }
    }

    /// One frame from the recogniser: parsed now, or (collecting) left to the parallel phase.
    @inline(__always)
    private mutating func handle(_ frame: FrameRecognizer.Frame, _ emit: (DecodedRecord) -> Void) {
        switch frame {
        case .json(let bytes, let framing, let line, let stable):
            if collecting {
                // `stable` says whether `bytes` outlive this feed; if not, the deferred parse
                // gets a copy.
                jobs.append(.json(stable ? .borrowed(bytes) : .owned(Array(bytes)), framing: framing, line: line))
                return
            }
            complete(EventLineParser.parse(bytes, framing: framing, line: line), emit)
        case .raw(let text):
            put(.raw(String(decoding: text, as: UTF8.self)), emit)
        case .oversized(let bytes, let line):
            put(.oversized(bytes: bytes, line: line), emit)
        }
    }

    /// Emits `record`, or keeps it in `jobs` while a parallel feed collects.
    private mutating func put(_ record: DecodedRecord, _ emit: (DecodedRecord) -> Void) {
        if collecting { jobs.append(.record(record)) } else { emit(record) }
    }

    /// The rest of decoding a JSON line, in stream order: the legacy interpreter's state.
    mutating func complete(_ parsed: EventLineParser.Parsed, _ emit: (DecodedRecord) -> Void) {
        switch parsed {
        case .record(let record, let structured):
            if structured { legacy.markStructured() }
            emit(record)
        case .legacy(var event):
            event.hookEvents = HookEvents(legacy.interpret(type: event.type, object: event.object))
            emit(.event(event))
        }
    }
}
