/// A JSON value that keeps object keys in the order they were written.
///
/// Order matters here: Charm's emitter writes `type` first and `content` second, and the
/// decoder must hand events back to exporters exactly as they were produced.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in 64 bits; JSON numbers without fraction or exponent.
    case int(Int64)
    /// Any other JSON number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, its members in the order they were written.
    case object(JSONObject)

    /// The string, if this is a string.
    @inlinable package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object, if this is an object.
    @inlinable package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array, if this is an array.
    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The number as an integer, if this is an integral number.
    package var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// The number as a double, if this is a number.
    package var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// True for `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Reads `self[key]` when this is an object; `nil` otherwise.
    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Text a person reads: strings as they are, everything else as compact JSON.
    package var displayText: String {
        if case .string(let s) = self { return s }
        return JSONWriter.compact(self)
    }
}

/// A JSON object with ordered, unique keys.
///
/// Small objects dominate the event stream (ten keys or fewer), so lookup is a linear scan
/// over an array: cheaper than hashing for that size and it preserves the writer's order.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in order. Usable from inlinable code: the decoder in CharmWire builds and
    /// reads objects member by member on its hot path, and a call per member (what a module
    /// boundary costs without inlining) made decoding about a tenth slower.
    @usableFromInline package internal(set) var members: [(key: String, value: JSONValue)]

    /// An empty object.
    @inlinable package init() { members = [] }

    /// An object from ordered members; a later duplicate key replaces the earlier value,
    /// as Python's `json.loads` does.
    package init(_ members: [(String, JSONValue)]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (k, v) in members { self[k] = v }
    }

    /// An object from a literal, in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Reserves room for `n` members.
    @inlinable package mutating func reserveCapacity(_ n: Int) { members.reserveCapacity(n) }

    /// Whether `key` is present.
    @inlinable package func containsKey(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// Appends without checking for duplicates; for builders that know the keys are new.
    @inlinable package mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    /// The value for `key`, or `nil`. Setting `nil` removes the key.
    @inlinable public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// The number of members.
    @inlinable package var count: Int { members.count }

    /// True when the object has no members.
    @inlinable package var isEmpty: Bool { members.isEmpty }

    /// The keys in order.
    package var keys: [String] { members.map(\.key) }

    /// Iterates the members in order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (a, b) in zip(lhs.members, rhs.members) where a.key != b.key || a.value != b.value {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for m in members {
            hasher.combine(m.key)
            hasher.combine(m.value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
