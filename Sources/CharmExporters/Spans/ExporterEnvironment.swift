import CharmTelemetry

extension ExporterContext {
    /// The agent's name for run spans: charm.yaml's `persona.name`, else its `id`, else "agent".
    var agentName: String {
        configuration?.name ?? configuration?.id ?? "agent"
    }

    /// The model the agent's LLM calls use: charm.yaml's `runtime.config.model` (Charm's
    /// engine configuration, e.g. "gpt-4o"), which the vendors show on llm spans. Charm's
    /// hooks carry no model, so this is the only source.
    var modelName: String? {
        guard case .string(let m)? = configuration?.document["runtime"]?["config"]?["model"], !m.isEmpty else { return nil }
        return m
    }

    /// A required secret: the first of `names` that is set, or `missingSecret` naming the first.
    func secret(_ exporter: String, _ names: String...) throws(ExporterSetupError) -> String {
        // A variable read here must be one charm.yaml refuses as a key (see CharmConfig).
        assert(names.allSatisfy(CharmConfig.secretVariables.contains), "add \(names) to CharmConfig.secretVariables")
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

/// The model of llm spans and who serves it, as the vendors' SDKs label them.
struct LLMModel: Sendable, Hashable {
    /// The model id, e.g. "gpt-4o".
    var name: String
    /// The provider, e.g. "openai"; "custom" when the name does not tell (ddtrace's default).
    var provider: String

    /// A model and the provider its name implies.
    init(name: String, provider: String? = nil) {
        self.name = name
        self.provider = provider ?? Self.provider(of: name)
    }

    /// The provider a model id names: Charm's config has no provider field, so the id's
    /// well-known prefixes decide, and anything else is "custom" as in ddtrace.
    static func provider(of model: String) -> String {
        let m = model.lowercased()
        let known: [(String, [String])] = [
            ("openai", ["gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding", "davinci"]),
            ("anthropic", ["claude"]), ("google", ["gemini", "gemma"]),
            ("mistral", ["mistral", "mixtral", "codestral"]), ("cohere", ["command"]),
        ]
        for (provider, prefixes) in known where prefixes.contains(where: { m.hasPrefix($0) }) { return provider }
        return "custom"
    }
}
