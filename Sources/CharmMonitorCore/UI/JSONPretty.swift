import CharmTelemetry
import CharmWire

/// Pretty-prints JSON as styled lines for the detail view: two-space indentation, keys,
/// strings, numbers and literals in their own roles. Strings keep their escapes visible
/// (`\n` stays two characters) so a value never breaks the layout of its object.
package enum JSONPretty {
    /// The lines of `text` as pretty JSON, or nil when it is not a JSON object or array.
    package static func lines(ofJSONText text: String) -> [StyledLine]? {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = trimmed.first, first == "{" || first == "[" else { return nil }
        guard let value = try? JSONParser.parse(text) else { return nil }
        return lines(of: value)
    }

    /// The lines of `value`.
    package static func lines(of value: JSONValue) -> [StyledLine] {
        var out: [StyledLine] = []
        var current = StyledLine()
        emit(value, indent: 0, into: &out, current: &current)
        if !current.segments.isEmpty { out.append(current) }
        return out
    }

    private static func emit(_ value: JSONValue, indent: Int, into out: inout [StyledLine], current: inout StyledLine) {
        switch value {
        case .object(let object):
            emitContainer(object.members, open: "{", close: "}", indent: indent, into: &out, current: &current) { member in
                ([.init(quoted(member.key), .jsonKey), .init(": ", .jsonPunctuation)], member.value)
            }
        case .array(let items):
            emitContainer(items, open: "[", close: "]", indent: indent, into: &out, current: &current) { ([], $0) }
        case .string(let s):
            current.segments.append(.init(quoted(s), .jsonString))
        case .int, .double:
            current.segments.append(.init(JSONWriter.compact(value), .jsonNumber))
        case .bool, .null:
            current.segments.append(.init(JSONWriter.compact(value), .jsonLiteral))
        }
    }

    /// An object or an array: one item a line, indented, each led by `lead` (an object's
    /// key), commas between; empty ones stay on their line.
    private static func emitContainer<Item>(
        _ items: [Item], open: String, close: String, indent: Int, into out: inout [StyledLine],
        current: inout StyledLine, _ lead: (Item) -> ([StyledLine.Segment], JSONValue)
    ) {
        guard !items.isEmpty else {
            current.segments.append(.init(open + close, .jsonPunctuation))
            return
        }
        let pad = String(repeating: "  ", count: indent + 1)
        current.segments.append(.init(open, .jsonPunctuation))
        for (index, item) in items.enumerated() {
            out.append(current)
            let (segments, value) = lead(item)
            current = StyledLine([.init(pad, .text)] + segments)
            emit(value, indent: indent + 1, into: &out, current: &current)
            if index < items.count - 1 { current.segments.append(.init(",", .jsonPunctuation)) }
        }
        out.append(current)
        current = StyledLine([.init(String(repeating: "  ", count: indent), .text), .init(close, .jsonPunctuation)])
    }

    /// A string as JSON writes it, escapes included, but not ASCII-escaped.
    static func quoted(_ s: String) -> String { JSONWriter.compact(.string(s)) }
}
