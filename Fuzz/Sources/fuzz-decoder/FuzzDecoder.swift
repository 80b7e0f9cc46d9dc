// libFuzzer target for CharmWire's stream decoder (docs/fuzzing.md).
//
// Each input is a byte stream as a source would deliver it: any mix of `__CHARM_EVENT__`
// and `::CHARM_EVENT::` lines, SSE frames (`data:`, `id:`, `event:`, `retry:`, comments),
// NDJSON, raw prints, legacy (charmos) events, CRLF, invalid UTF-8, NUL bytes. The input
// is decoded several ways, with chunk boundaries and options derived from its own bytes
// (a hash seeds the choices, so a saved crash input replays exactly):
//   A. fed whole, sequentially;
//   B. fed in pieces cut at pseudo-random points (single bytes, short runs, long runs), so
//      lines, CRLF pairs, prefixes and SSE frames straddle feeds;
//   C. one input in eight (FUZZ_PARALLEL_EVERY=n: one in n): the input, a 64 KiB filler
//      line and the input again, so a feed reaches `parallelParsing`'s two-thread path,
//      decoded with parallelParsing on (after a short first feed that cuts inside the
//      input) and off, whole.
// Sometimes `maxLineLength` is small, so oversized lines are skipped mid-stream.
// Invariants (a violation traps; libFuzzer reports it as a crash and saves the input):
//   1. No trap, hang or leak (ASan and libFuzzer's leak check watch the rest).
//   2. The same records, in the same order, the same `lineNumber` and `lastEventID`, however
//      the stream is cut and whether or not it is parsed in parallel (the legacy
//      interpreter's timestamps, which come from the clock, are ignored).
//   3. Counts are consistent: `lineNumber` is the number of lines in the input, there are
//      no more records than lines, malformed and oversized records' line numbers lie in
//      the stream and increase (each kind on its own), an oversized line is longer than `maxLineLength`, a raw
//      print is non-empty, one line and trimmed, an event's `type` is its object's string
//      `type`, a structured event has one hook event and no `telemetry` member left.
#if canImport(Glibc)
import Glibc
#endif

@testable import CharmTelemetry
@testable import CharmWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
    checkDecoder(input)
    return 0
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// SplitMix64, seeded from the input: the same input always makes the same choices.
struct SplitMix {
    var state: UInt64
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// What one decoding produced.
struct Outcome {
    var records: [DecodedRecord] = []
    var lineNumber = 0
    var lastEventID: String?
}

/// Decodes `bytes` fed as the given pieces (their sizes sum to the input's), then finishes.
func decode(_ bytes: UnsafeBufferPointer<UInt8>, pieces: [Int], maxLineLength: Int, parallel: Bool) -> Outcome {
    var d = StreamDecoder(sourceName: "fuzz", maxLineLength: maxLineLength)
    d.parallelParsing = parallel
    var out = Outcome()
    var start = 0
    for n in pieces {
        d.feed(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<start + n]))) { out.records.append($0) }
        start += n
    }
    check(start == bytes.count, "pieces do not cover the input")
    d.finish { out.records.append($0) }
    out.lineNumber = d.lineNumber
    out.lastEventID = d.lastEventID
    return out
}

/// Cuts `count` bytes into pieces: single bytes, short runs or long runs.
func cuts(_ count: Int, _ rng: inout SplitMix) -> [Int] {
    var pieces: [Int] = []
    let mode = rng.below(4)
    if mode == 0 && count <= 2_048 { return Array(repeating: 1, count: count) }
    let longest = [16, 16, 300, max(1, count / 2)][mode]
    var left = count
    while left > 0 {
        let n = min(left, 1 + rng.below(longest))
        pieces.append(n)
        left -= n
    }
    return pieces
}

/// The legacy interpreter stamps the events it rebuilds with the clock: zero those times so
/// two decodings of one stream compare equal.
func normalised(_ records: [DecodedRecord]) -> [DecodedRecord] {
    records.map { r in
        guard case .event(var e) = r, !e.isStructured, !e.hookEvents.isEmpty else { return r }
        e.hookEvents = HookEvents(e.hookEvents.map { h in
            var h = h
            h.timestamp = Timestamp(microseconds: 0)
            return h
        })
        return .event(e)
    }
}

func same(_ a: Outcome, _ b: Outcome, _ what: @autoclosure () -> String) {
    check(a.lineNumber == b.lineNumber, "\(what()): lineNumber \(a.lineNumber) != \(b.lineNumber)")
    check(a.lastEventID == b.lastEventID, "\(what()): lastEventID \(a.lastEventID ?? "nil") != \(b.lastEventID ?? "nil")")
    let ra = normalised(a.records), rb = normalised(b.records)
    check(ra.count == rb.count, "\(what()): \(ra.count) records != \(rb.count)")
    for k in ra.indices where ra[k] != rb[k] {
        // `==` follows IEEE for doubles, so a NaN in a line's JSON never equals itself:
        // such records are compared by their full description instead.
        check(String(describing: ra[k]) == String(describing: rb[k]),
              "\(what()): record \(k) differs:\n  \(ra[k])\n  \(rb[k])")
    }
}

/// The number of lines in `bytes`: newlines, and a last line without one (memchr: the
/// harness's own code is instrumented too, and a byte loop over 64 KiB would dominate).
func lineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
    var lines = 0
    var p = UnsafeRawPointer(base)
    let end = UnsafeRawPointer(base + bytes.count)
    while p < end, let nl = memchr(p, 0x0A, end - p) {
        lines += 1
        p = UnsafeRawPointer(nl) + 1
    }
    return bytes.last == 0x0A ? lines : lines + 1
}

/// The invariants of one decoding of `bytes` on their own (3 above).
func consistent(_ o: Outcome, _ bytes: UnsafeBufferPointer<UInt8>, maxLineLength: Int) {
    let lines = lineCount(bytes)
    check(o.lineNumber == lines, "lineNumber \(o.lineNumber), but the input has \(lines) lines")
    check(o.records.count <= lines, "\(o.records.count) records from \(lines) lines")
    // Malformed lines of other framings and oversized lines each come in line order. A
    // malformed SSE frame is numbered by a line of the frame and reported at its blank line,
    // while lines of other framings met while it is open are reported as they come; its
    // number is only checked to lie in the stream.
    var last = (malformed: 0, oversized: 0)
    func numbered(_ line: Int, _ previous: inout Int) {
        check(line > previous && line <= lines, "record line \(line) after \(previous), of \(lines)")
        previous = line
    }
    for r in o.records {
        switch r {
        case .oversized(let n, let line):
            check(n > maxLineLength, "oversized line of \(n) bytes, limit \(maxLineLength)")
            numbered(line, &last.oversized)
        case .malformed(let m):
            check(m.preview.count <= MalformedLine.previewLength, "preview of \(m.preview.count) characters")
            if m.framing == .sse {
                check(m.line >= 1 && m.line <= lines, "SSE frame record at line \(m.line), of \(lines)")
            } else {
                numbered(m.line, &last.malformed)
            }
        case .raw(let s):
            check(!s.isEmpty, "empty raw record")
            var text = s
            check(text.withUTF8 { memchr($0.baseAddress!, 0x0A, $0.count) } == nil, "raw record spans lines")
            let blanks: Set<UInt8> = [0x20, 0x09]
            check(!blanks.contains(s.utf8.first!) && !blanks.contains(s.utf8.last!) && s.utf8.last != 0x0D,
                  "raw record not trimmed: \(s.debugDescription)")
        case .event(let e):
            check(e.object["type"]?.stringValue == e.type, "event type \(e.type) is not its object's")
            if e.isStructured {
                check(e.hookEvents.count == 1, "structured event with \(e.hookEvents.count) hook events")
                check(e.object["telemetry"] == nil, "structured event keeps its telemetry member")
                check(e.telemetryIssue == nil, "structured event with a telemetry issue")
            }
        }
    }
}

func checkDecoder(_ input: UnsafeBufferPointer<UInt8>) {
    var rng = SplitMix(input)
    let maxLineLength = rng.below(4) == 0 ? 1 + rng.below(300) : StreamDecoder.defaultMaxLineLength

    // A and B: whole, and cut into pieces.
    let whole = decode(input, pieces: input.isEmpty ? [] : [input.count], maxLineLength: maxLineLength, parallel: false)
    consistent(whole, input, maxLineLength: maxLineLength)
    let pieces = cuts(input.count, &rng)
    same(whole, decode(input, pieces: pieces, maxLineLength: maxLineLength, parallel: false), "cut into \(pieces.count) pieces")

    // C: a feed large enough for the parallel path: the input, a filler line that is cheap
    // to decode (one long raw print, or an oversized line), and the input again, so the
    // legacy interpreter's and the SSE state carry across.
    guard !input.isEmpty, parallelEvery > 0, rng.below(parallelEvery) == 0 else { return }
    let minimum = StreamDecoder.parallelMinimumBytes
    var big: [UInt8] = []
    big.reserveCapacity(2 * input.count + minimum + 2)
    big.append(contentsOf: input)
    big.append(0x0A)
    big.append(contentsOf: filler)
    big.append(0x0A)
    big.append(contentsOf: input)
    big.withUnsafeBufferPointer { b in
        let sequential = decode(b, pieces: [b.count], maxLineLength: maxLineLength, parallel: false)
        consistent(sequential, b, maxLineLength: maxLineLength)
        // A short first feed leaves a partial line (and maybe an SSE frame) in the decoder
        // for the parallel feed to pick up; the rest is still over the minimum.
        let first = rng.below(min(b.count - minimum, input.count + 1))
        let split = first == 0 ? [b.count] : [first, b.count - first]
        same(sequential, decode(b, pieces: split, maxLineLength: maxLineLength, parallel: true), "parallel, pieces \(split)")
    }
}

/// C's filler line, made once (a loop in the harness is instrumented too, and slow).
let filler = [UInt8](repeating: UInt8(ascii: "x"), count: StreamDecoder.parallelMinimumBytes)

/// One input in this many is also decoded through the parallel path (C above).
let parallelEvery = Int(getenv("FUZZ_PARALLEL_EVERY").map { String(cString: $0) } ?? "") ?? 8

// libFuzzer's `main` calls `LLVMFuzzerTestOneInput`; SwiftPM renames an executable's entry
// point to `<module>_main` on Linux (so tests can link it), so that is provided too and runs
// libFuzzer's driver the way its own `main` does.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("fuzz_decoder_main")
func fuzzDecoderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzDecoder)
}
