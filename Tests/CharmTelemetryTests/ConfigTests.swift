import Testing

@testable import CharmTelemetry

@Suite struct ConfigTests {
    static let full = """
        version: "0.4"
        id: 0b8d6f3e-agent
        persona:
          name: Research Assistant
          description: Finds things
          tags: [search, 調査]
        interface:
          input: {type: object}
          output: {type: object}
        runtime:
          adapter:
            type: langchain
            entry_point: src.main:app
            environment_variables: [OPENAI_API_KEY, DATADOG_API_KEY]
          telemetry:
            - datadog
            - langsmith
          memory:
            provider: local
        policies:
          max_steps: 30
          budget_limit: 2.5
        """

    @Test func readsTelemetryAdapterAndKeepsTheRest() throws {
        let c = try CharmConfig.parse(Self.full, path: "charm.yaml")
        #expect(c.telemetry == ["datadog", "langsmith"])
        #expect(c.adapter == CharmConfig.Adapter(type: "langchain", entryPoint: "src.main:app"))
        #expect(c.version == "0.4")
        #expect(c.id == "0b8d6f3e-agent")
        #expect(c.name == "Research Assistant")
        #expect(c.document["policies"]?["max_steps"] == .int(30))
        #expect(c.document["policies"]?["budget_limit"] == .double(2.5))
        #expect(c.document["persona"]?["tags"] == .array(["search", "調査"]))
        #expect(c.document.keys == ["version", "id", "persona", "interface", "runtime", "policies"])
    }

    @Test func aSecretInTheFileIsRefusedNamingTheVariable() {
        let text = """
            version: "0.4"
            runtime:
              adapter: {type: process}
              telemetry: [datadog]
              datadog:
                api_key: abc123secret
            """
        #expect {
            try CharmConfig.parse(text, path: "charm.yaml")
        } throws: { error in
            guard let e = error as? CharmConfigError else { return false }
            return e.line == 6 && e.message.contains("DATADOG_API_KEY") && !e.description.contains("abc123secret")
                && e.description.hasPrefix("charm.yaml:6:")
        }
    }

    @Test func badYAMLAndWrongTypesGiveFileAndLine() {
        let cases: [(String, Int, String)] = [
            ("version: \"0.4\"\nruntime:\n  telemetry: [a, b\n", 4, "invalid YAML"),
            ("version: \"0.4\"\nruntime:\n  telemetry: datadog\n", 3, "must be a list"),
            ("version: \"0.4\"\nruntime:\n  telemetry:\n    - {x: 1}\n", 4, "exporter names"),
            ("version: \"0.9\"\n", 1, "0.4.x"),
            ("version: \"0.4\"\nruntime:\n  adapter: [1]\n", 3, "adapter"),
        ]
        for (text, line, fragment) in cases {
            do {
                _ = try CharmConfig.parse(text, path: "x.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.message.contains(fragment), "\(error)")
            }
        }
    }

    @Test func environmentVariableNamesAndReferencesAreNotSecrets() throws {
        let text = """
            version: "0.4.1"
            runtime:
              adapter: {type: process, environment_variables: {tools: [DATADOG_API_KEY]}}
              webhook:
                secret: ${CHARM_TELEMETRY_WEBHOOK_SECRET}
            """
        let c = try CharmConfig.parse(text)
        #expect(c.telemetry.isEmpty)
    }
}
