import CharmTelemetry

extension JSONValue {
    /// `self[a][b]…` through objects; nil where a step is missing.
    subscript(path path: String...) -> JSONValue? {
        var v: JSONValue? = self
        for p in path { v = v?[p] }
        return v
    }

    /// The array's objects.
    var objects: [JSONObject] { arrayValue?.compactMap(\.objectValue) ?? [] }
}

extension JSONObject {
    /// The string at `key`.
    func string(_ key: String) -> String? { self[key]?.stringValue }
}
