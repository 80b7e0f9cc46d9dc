/// Serialises `JSONValue`s the way Python's `json.dumps(..., ensure_ascii=False)` does.
///
/// Written by hand rather than with Foundation's `JSONEncoder` because byte compatibility
/// with charmos needs three things the encoder does not give: the members in the order they
/// were built (`type` first), Python's separators (`", "` and `": "`), and Python's escaping
/// (non-ASCII as UTF-8, `/` unescaped, control characters as lowercase `\u00xx`).
package enum JSONWriter {
    /// How members and elements are separated.
    package enum Style: Sendable {
        /// `", "` and `": "`: Python's `json.dumps` default, which charmos uses.
        case python
        /// `","` and `":"`: the shortest form.
        case compact
    }

    /// The value as a string in the given style.
    package static func string(_ value: JSONValue, style: Style = .python) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(value, into: &out, style: style)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value in the compact style.
    package static func compact(_ value: JSONValue) -> String { string(value, style: .compact) }

    /// Appends the value's bytes to `out`.
    package static func write(_ value: JSONValue, into out: inout [UInt8], style: Style = .python) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): appendInt(i, into: &out)
        case .double(let d): appendDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { appendComma(&out, style) }
                write(v, into: &out, style: style)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): writeObject(o, into: &out, style: style)
        }
    }

    /// Appends an object's bytes to `out`.
    package static func writeObject(_ o: JSONObject, into out: inout [UInt8], style: Style = .python) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for m in o {
            if !first { appendComma(&out, style) }
            first = false
            writeString(m.key, into: &out)
            out.append(UInt8(ascii: ":"))
            if style == .python { out.append(UInt8(ascii: " ")) }
            write(m.value, into: &out, style: style)
        }
        out.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    private static func appendComma(_ out: inout [UInt8], _ style: Style) {
        out.append(UInt8(ascii: ","))
        if style == .python { out.append(UInt8(ascii: " ")) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a quoted, escaped string.
    package static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendEscaped(s, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a string's escaped characters without quotes: for writers that build one JSON
    /// string from several pieces (the emitter's `content`) without joining them first.
    package static func appendEscaped(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendEscaped($0, into: &out) }
    }

    /// `appendEscaped` for a part of a string.
    package static func appendEscaped(_ s: Substring, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendEscaped($0, into: &out) }
    }

    private static func appendEscaped(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var start = 0
        for i in 0..<buf.count {
            let b = buf[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i])) }
            start = i + 1
            out.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                out.append(contentsOf: "u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        if start < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...])) }
    }

    package static func appendInt(_ i: Int64, into out: inout [UInt8]) {
        if i >= 0 && i < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(i))
            return
        }
        out.append(contentsOf: String(i).utf8)
    }

    /// Python's `float.__repr__` for the values agents send: shortest round-trip digits,
    /// `.0` on integral values, and `Infinity`/`NaN` spelt as Python spells them.
    private static func appendDouble(_ d: Double, into out: inout [UInt8]) {
        if d.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if d.isInfinite { out.append(contentsOf: (d < 0 ? "-Infinity" : "Infinity").utf8); return }
        out.append(contentsOf: d.description.utf8)
    }
}
