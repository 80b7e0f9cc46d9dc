import CharmTelemetry

/// Pretty-prints JSON as styled lines for the detail view: two-space indentation, keys,
/// strings, numbers and literals in their own roles. Strings keep their escapes visible
/// (`\n` stays two characters) so a value never breaks the layout of its object.
public enum JSONPretty {
    /// The lines of `text` as pretty JSON, or nil when it is not a JSON object or array.
    public static func lines(ofJSONText text: String) -> [StyledLine]? {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = trimmed.first, first == "{" || first == "[" else { return nil }
        guard let value = try? JSONParser.parse(text) else { return nil }
        return lines(of: value)
    }

    /// The lines of `value`.
    public static func lines(of value: JSONValue) -> [StyledLine] {
        var out: [StyledLine] = []
        var current = StyledLine()
        emit(value, indent: 0, into: &out, current: &current)
        if !current.segments.isEmpty { out.append(current) }
        return out
    }

    private static func emit(_ value: JSONValue, indent: Int, into out: inout [StyledLine], current: inout StyledLine) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let object):
            let members = object.members
            guard !members.isEmpty else {
                current.segments.append(.init("{}", .jsonPunctuation))
                return
            }
            current.segments.append(.init("{", .jsonPunctuation))
            for (index, member) in members.enumerated() {
                out.append(current)
                current = StyledLine([
                    .init(pad, .text), .init(quoted(member.key), .jsonKey), .init(": ", .jsonPunctuation),
                ])
                emit(member.value, indent: indent + 1, into: &out, current: &current)
                if index < members.count - 1 { current.segments.append(.init(",", .jsonPunctuation)) }
            }
            out.append(current)
            current = StyledLine([.init(closePad, .text), .init("}", .jsonPunctuation)])
        case .array(let items):
            guard !items.isEmpty else {
                current.segments.append(.init("[]", .jsonPunctuation))
                return
            }
            current.segments.append(.init("[", .jsonPunctuation))
            for (index, item) in items.enumerated() {
                out.append(current)
                current = StyledLine([.init(pad, .text)])
                emit(item, indent: indent + 1, into: &out, current: &current)
                if index < items.count - 1 { current.segments.append(.init(",", .jsonPunctuation)) }
            }
            out.append(current)
            current = StyledLine([.init(closePad, .text), .init("]", .jsonPunctuation)])
        case .string(let s):
            current.segments.append(.init(quoted(s), .jsonString))
        case .int, .double:
            current.segments.append(.init(JSONWriter.compact(value), .jsonNumber))
        case .bool, .null:
            current.segments.append(.init(JSONWriter.compact(value), .jsonLiteral))
        }
    }

    /// A string as JSON writes it, escapes included, but not ASCII-escaped.
    static func quoted(_ s: String) -> String { JSONWriter.compact(.string(s)) }
}
