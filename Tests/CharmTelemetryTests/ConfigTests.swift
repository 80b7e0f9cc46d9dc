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

    /// The secret in every case below is `abc123secret`; the error must name file, line and
    /// the variable, and never the value.
    @Test(arguments: [
        ("runtime: {telemetry: [datadog], env: {DATADOG_API_KEY: abc123secret}}", 1, "DATADOG_API_KEY"),
        ("runtime:\n  env:\n    datadog_api_key: abc123secret", 3, "DATADOG_API_KEY"),
        ("runtime:\n  env:\n    LANGSMITH_API_KEY: abc123secret", 3, "LANGSMITH_API_KEY"),
        ("headers:\n  x-api-key: abc123secret", 2, "HEADERS_X_API_KEY"),
        ("tools:\n  github_token: abc123secret", 2, "GITHUB_TOKEN"),
        ("runtime:\n  memory:\n    client_secret: abc123secret", 3, "MEMORY_CLIENT_SECRET"),
        ("db:\n  Password: abc123secret", 2, "DB_PASSWORD"),
        ("sentry:\n  dsn: https://abc123secret@o1.ingest.sentry.io/1", 2, "SENTRY_DSN"),
        ("signing:\n  private_key: abc123secret", 2, "SIGNING_PRIVATE_KEY"),
        ("env:\n  DD_API_KEY: 12345", 2, "DD_API_KEY"),
        ("env:\n  Sentry_Dsn: abc123secret", 2, "SENTRY_DSN"),
        ("env:\n  OTEL_EXPORTER_OTLP_HEADERS: authorization=Bearer abc123secret", 2, "OTEL_EXPORTER_OTLP_HEADERS"),
        ("env:\n  - {apiKey: abc123secret}", 2, "APIKEY"),
    ])
    func aSecretUnderAnySecretNameIsRefused(text: String, line: Int, variable: String) {
        do {
            _ = try CharmConfig.parse(text, path: "charm.yaml")
            Issue.record("accepted a secret: \(text)")
        } catch {
            #expect(error.path == "charm.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(variable), "\(error)")
            #expect(!error.description.contains("abc123secret") && !error.description.contains("12345"), "\(error)")
            #expect(error.description.hasPrefix("charm.yaml:\(line):"), "\(error)")
        }
    }

    @Test func namesThatHoldNoSecretPass() throws {
        let text = """
            version: "0.4"
            persona: {name: Tokenizer, max_tokens: 2000, token_budget: 100000}
            policies: {primary_key: id, sort_key: created, require_token: true, keyboard: en}
            runtime:
              env: {DATADOG_API_KEY: "${DATADOG_API_KEY}", password: "", auth: ~}
            """
        let c = try CharmConfig.parse(text)
        #expect(c.document["policies"]?["sort_key"] == .string("created"))
        #expect(c.document["persona"]?["max_tokens"] == .int(2000))
    }

    @Test func keyWordsSplitAtCaseAndPunctuation() {
        #expect(CharmConfig.words(of: "x-api-key") == ["x", "api", "key"])
        #expect(CharmConfig.words(of: "apiKey") == ["api", "key"])
        #expect(CharmConfig.words(of: "LANGSMITH_API_KEY") == ["langsmith", "api", "key"])
        #expect(!CharmConfig.isReference("${}") && CharmConfig.isReference("${A_1}") && !CharmConfig.isReference("${A B}"))
    }
}
