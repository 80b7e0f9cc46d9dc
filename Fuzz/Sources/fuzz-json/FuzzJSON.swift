// libFuzzer target for CharmWire's JSON parser (docs/fuzzing.md).
//
// Each input is one JSON text. Invariants (any violation traps, which libFuzzer reports
// as a crash and saves the input):
//   1. `JSONParser.parse` never traps, hangs or leaks; a rejection's offset lies in the input.
//   2. An accepted value survives a round trip: written by `JSONWriter` (Python style and
//      compact) and parsed again it is the same value, and it writes the same bytes again.
//   3. The decoder's fast event-line parser (`JSONParser.parseEventLine`) accepts and
//      rejects exactly what `parse` does for an object; its members are parse's, and a
//      `telemetry` member it read straight into an event is the event the general reader
//      (`TelemetryEvent(telemetry:)`) makes of parse's member.
@testable import CharmTelemetry
@testable import CharmWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
    checkJSON(bytes)
    return 0
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

func checkJSON(_ bytes: UnsafeBufferPointer<UInt8>) {
    let parsed: JSONValue
    do {
        parsed = try JSONParser.parse(bytes)
    } catch {
        check(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside 0...\(bytes.count)")
        checkEventLineRejects(bytes)
        return
    }
    // Round trip through both writer styles.
    let python = JSONWriter.string(parsed, style: .python)
    let compact = JSONWriter.compact(parsed)
    for (style, text) in [("python", python), ("compact", compact)] {
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            fatalError("invariant violated: the writer's \(style) output does not parse (\(error)): \(text.prefix(300))")
        }
        check(sameValue(again, parsed), "\(style) round trip changed the value: \(text.prefix(300))")
        check(JSONWriter.string(again, style: .python) == python, "\(style) round trip writes other bytes")
    }
    checkEventLineAccepts(bytes, parsed)
}

/// Equality that takes NaN as equal to itself (`JSONValue ==` follows IEEE, where it is not);
/// the written bytes already matched, so a value with NaN is compared by its text.
func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
    if a == b { return true }
    return containsNaN(a) && JSONWriter.compact(a) == JSONWriter.compact(b)
}

func containsNaN(_ v: JSONValue) -> Bool {
    switch v {
    case .double(let d): d.isNaN
    case .array(let a): a.contains(where: containsNaN)
    case .object(let o): o.contains { containsNaN($0.value) }
    default: false
    }
}

func startsWithBrace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    for b in bytes {
        if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { continue }
        return b == UInt8(ascii: "{")
    }
    return false
}

/// `parse` rejected the input: the fast path must too (or, not at an object, decline it).
func checkEventLineRejects(_ bytes: UnsafeBufferPointer<UInt8>) {
    do {
        let line = try JSONParser.parseEventLine(bytes)
        check(line == nil, "parseEventLine accepted what parse rejects")
    } catch {
        check(startsWithBrace(bytes), "parseEventLine threw on a non-object")
    }
}

/// `parse` accepted the input: the fast path must read the same members.
func checkEventLineAccepts(_ bytes: UnsafeBufferPointer<UInt8>, _ parsed: JSONValue) {
    let line: EventLine?
    do {
        line = try JSONParser.parseEventLine(bytes)
    } catch {
        fatalError("invariant violated: parseEventLine rejects what parse accepts (\(error))")
    }
    guard case .object(var object) = parsed else {
        check(line == nil, "parseEventLine read an object from a non-object")
        return
    }
    guard let line else { fatalError("invariant violated: parseEventLine declined an object") }
    if let fast = line.telemetry {
        guard let member = object["telemetry"]?.objectValue else {
            fatalError("invariant violated: fast telemetry without a telemetry object member")
        }
        do {
            let general = try TelemetryEvent(telemetry: member)
            check(general == fast || String(describing: general) == String(describing: fast),
                  "fast telemetry \(fast) != general \(general)")
        } catch {
            fatalError("invariant violated: fast path read telemetry the general reader rejects (\(error))")
        }
        object["telemetry"] = nil
    }
    check(sameValue(.object(line.object), .object(object)),
          "parseEventLine members differ: \(JSONWriter.compact(.object(line.object)).prefix(300)) vs \(JSONWriter.compact(.object(object)).prefix(300))")
}

// libFuzzer's `main` calls `LLVMFuzzerTestOneInput`; SwiftPM renames an executable's entry
// point to `<module>_main` on Linux (so tests can link it), so that is provided too and runs
// libFuzzer's driver the way its own `main` does.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("fuzz_json_main")
func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzJSON)
}
