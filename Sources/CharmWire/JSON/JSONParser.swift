import CharmTelemetry

/// Why a byte sequence is not JSON, and where.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    package var reason: String
    /// The byte offset at which it was noticed.
    package var offset: Int

    package var description: String { "\(reason) at byte \(offset)" }
}

/// A byte-level JSON parser into `JSONValue`.
///
/// Written by hand because decoding is the monitor's hot path (the target is over a million
/// events a second) and Foundation's `JSONSerialization` builds bridged `NSDictionary`s that
/// lose key order; no listed package offers an order-preserving DOM parser. It accepts what
/// Python's `json.loads` accepts, including `NaN` and `Infinity`, and never traps: invalid
/// UTF-8 inside strings becomes U+FFFD, nesting is limited to `maxDepth`.
package struct JSONParser {
    /// The deepest nesting accepted; deeper input is an error rather than a stack overflow.
    package static let maxDepth = 256

    let buf: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0

    init(_ buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    /// Parses one JSON value that must fill `bytes` (surrounding white space allowed).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(bytes)
        p.skipWhitespace()
        let v = try p.parseValue()
        p.skipWhitespace()
        if p.i != bytes.count { throw JSONParseError(reason: "extra data after the value", offset: p.i) }
        return v
    }

    /// Parses a string's UTF-8 as one JSON value.
    package static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { buf in
            do throws(JSONParseError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses bytes as one JSON value.
    package static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buf in
            do throws(JSONParseError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// A string of UTF-8 bytes, invalid sequences repaired to U+FFFD. Measured faster than
    /// `String(decoding:as:)` for the short strings that fill event lines.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            _ = out.initialize(fromContentsOf: bytes)
            return bytes.count
        }
    }

    func fail(_ reason: String) -> JSONParseError { JSONParseError(reason: reason, offset: i) }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < buf.count {
            let b = buf[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { return }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard i < buf.count else { throw fail("unexpected end of input") }
        switch buf[i] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "N"): try expectWord("NaN"); return .double(.nan)
        case UInt8(ascii: "I"): try expectWord("Infinity"); return .double(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= buf.count else { throw fail("unexpected end of input") }
        let p = word.utf8Start
        for k in 0..<n where buf[i + k] != p[k] { throw fail("invalid literal") }
        i += n
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > JSONParser.maxDepth { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
    }

    /// After an object member: `true` at a `,` (another member follows), `false` at the
    /// closing `}`; anything else is an error.
    mutating func anotherMember() throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard i < buf.count else { throw fail("unterminated object") }
        if buf[i] == UInt8(ascii: ",") { i += 1; return true }
        if buf[i] == UInt8(ascii: "}") { i += 1; return false }
        throw fail("expected ',' or '}'")
    }

    mutating func parseObject() throws(JSONParseError) -> JSONObject {
        try enter()
        defer { depth -= 1 }
        i += 1
        var object = JSONObject()
        skipWhitespace()
        if i < buf.count && buf[i] == UInt8(ascii: "}") { i += 1; return object }
        object.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipWhitespace()
            let value = try parseValue()
            // Duplicate keys are rare; the later value wins, as in Python's json.loads.
            if object.count < 32 ? object.containsKey(key) : object[key] != nil {
                object[key] = value
            } else {
                object.appendUnchecked(key, value)
            }
            if try !anotherMember() { break }
        }
        return object
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < buf.count && buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard i < buf.count else { throw fail("unterminated array") }
            if buf[i] == UInt8(ascii: ",") { i += 1; continue }
            if buf[i] == UInt8(ascii: "]") { i += 1; break }
            throw fail("expected ',' or ']'")
        }
        return .array(items)
    }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while i < buf.count {
            let b = buf[i]
            if b == UInt8(ascii: "\"") {
                let s = JSONParser.string(UnsafeBufferPointer(rebasing: buf[start..<i]))
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail("control character in string") }
            i += 1
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: buf[start..<i]))
        while i < buf.count {
            let b = buf[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if b < 0x20 { throw fail("control character in string") }
            if b != UInt8(ascii: "\\") { bytes.append(b); i += 1; continue }
            i += 1
            guard i < buf.count else { break }
            let e = buf[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate pairs with a following \uDC00-\uDFFF; alone it is U+FFFD.
                    if i + 6 <= buf.count && buf[i] == UInt8(ascii: "\\") && buf[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = save
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                bytes.append(contentsOf: UTF8.encode(u)!)
            default: throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= buf.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = i
        var negative = false
        if buf[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
            if i < buf.count && buf[i] == UInt8(ascii: "I") {
                try expectWord("Infinity")
                return .double(-.infinity)
            }
        }
        let digitsStart = i
        var value: Int64 = 0
        var overflow = false
        while i < buf.count, buf[i] >= UInt8(ascii: "0"), buf[i] <= UInt8(ascii: "9") {
            let d = Int64(buf[i] - UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.subtractingReportingOverflow(d)  // accumulate negatively: Int64.min fits
            if o1 || o2 { overflow = true }
            value = a
            i += 1
        }
        guard i > digitsStart else { throw fail("invalid number") }
        if buf[digitsStart] == UInt8(ascii: "0") && i - digitsStart > 1 { throw fail("leading zero") }
        var isFloat = false
        if i < buf.count && buf[i] == UInt8(ascii: ".") {
            isFloat = true
            i += 1
            let f = i
            while i < buf.count, buf[i] >= UInt8(ascii: "0"), buf[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > f else { throw fail("invalid fraction") }
        }
        if i < buf.count && (buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E")) {
            isFloat = true
            i += 1
            if i < buf.count && (buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")) { i += 1 }
            let f = i
            while i < buf.count, buf[i] >= UInt8(ascii: "0"), buf[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > f else { throw fail("invalid exponent") }
        }
        if !isFloat && !overflow {
            if negative { return .int(value) }
            if value != Int64.min { return .int(-value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        guard let d = Double(text) else { throw fail("invalid number") }
        return .double(d)
    }
}
