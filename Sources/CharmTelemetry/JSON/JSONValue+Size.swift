extension JSONValue {
    /// Whether the value's JSON text is longer than `budget` bytes (roughly: strings by their
    /// UTF-8 length, other values by a small constant), stopping as soon as it is: a large
    /// value is never walked whole just to learn that it is large.
    package func exceeds(_ budget: inout Int) -> Bool {
        switch self {
        case .string(let s): budget -= s.utf8.count + 2
        case .array(let a):
            budget -= 2
            for v in a where budget >= 0 { if v.exceeds(&budget) { return true } }
        case .object(let o):
            budget -= 2
            for m in o where budget >= 0 {
                budget -= m.key.utf8.count + 4
                if m.value.exceeds(&budget) { return true }
            }
        default: budget -= 8
        }
        return budget < 0
    }
}

extension String {
    /// This text when it fits `limit` UTF-8 bytes; else its longest start that does, ending
    /// on a character boundary, marked with `…`. How the monitor's model and the OTLP
    /// receiver keep texts from unbounded senders.
    package func cut(toUTF8 limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        while end > utf8.startIndex && end.samePosition(in: unicodeScalars) == nil { end = utf8.index(before: end) }
        return String(self[..<end]) + "…"
    }
}

extension JSONObject {
    /// This object when its JSON fits `limit` bytes (see `JSONValue.exceeds`); else its
    /// compact JSON text cut to `limit`, under `_cut`.
    package func bounded(toJSONBytes limit: Int) -> JSONObject {
        var budget = limit
        guard JSONValue.object(self).exceeds(&budget) else { return self }
        return ["_cut": .string(JSONWriter.compact(.object(self)).cut(toUTF8: limit))]
    }
}
