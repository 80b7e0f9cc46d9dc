import CharmTelemetry

extension JSONValue {
    /// Whether the value's JSON text is longer than `budget` bytes (roughly: strings by their
    /// UTF-8 length, other values by a small constant), stopping as soon as it is: a large
    /// value is never walked whole just to learn that it is large.
    func exceeds(_ budget: inout Int) -> Bool {
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
