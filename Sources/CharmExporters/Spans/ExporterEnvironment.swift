import CharmTelemetry

extension ExporterContext {
    /// The agent's name for run spans: charm.yaml's `persona.name`, else its `id`, else "agent".
    var agentName: String {
        configuration?.name ?? configuration?.id ?? "agent"
    }

    /// A required secret: the first of `names` that is set, or `missingSecret` naming the first.
    func secret(_ exporter: String, _ names: String...) throws(ExporterSetupError) -> String {
        for n in names { if let v = environment[n], !v.isEmpty { return v } }
        throw .missingSecret(name: exporter, variable: names[0])
    }
}

/// Small JSON helpers the vendor mappings share.
enum JSONBytes {
    /// The compact encoding of an object.
    static func object(_ o: JSONObject) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.writeObject(o, into: &out, style: .compact)
        return out
    }

    /// `[a,b,c]` from already-encoded elements.
    static func array(_ elements: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, e) in elements.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: e)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// A value as text for vendors that want a string: strings as they are, others as JSON.
    static func text(_ v: JSONValue?) -> String {
        guard let v else { return "" }
        return v.displayText
    }
}
