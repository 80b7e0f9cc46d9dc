import CharmTelemetry

/// Sends runs to LangSmith through batch ingest (`POST {endpoint}/runs/batch`): a run is
/// posted when it starts and patched when it ends, so long runs show up while they go.
///
/// Runs map to `chain` runs, tool calls to `tool` runs, token streams to `llm` runs.
public final class LangSmithExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "langsmith"

    private let core: SpanExporterCore<LangSmithOperation>

    /// An exporter with every setting given; `modelName` labels llm runs
    /// (`extra.metadata.ls_model_name`/`ls_provider`).
    public init(
        apiKey: String, endpoint: String = "https://api.smith.langchain.com", project: String = "default",
        agentName: String, modelName: String? = nil, modelProvider: String? = nil, policy: DeliveryPolicy = DeliveryPolicy()
    ) {
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let mapping = LangSmithRunMapping(
            sessionName: project, model: modelName.map { LLMModel(name: $0, provider: modelProvider) })
        let engine = DeliveryEngine<LangSmithOperation>(
            endpoint: HTTPEndpoint(url: base + "/runs/batch", headers: [("x-api-key", apiKey)]), policy: policy,
            redactor: Redactor(secrets: [apiKey]), name: Self.name
        ) { ops in
            HTTPPayload(body: LangSmithRunMapping.body(ops), contentType: "application/json")
        }
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            mapping.operations(for: change).map { op in
                (op, JSONBytes.object(op.run).count)
            }
        }
    }

    /// Builds it from the environment: `LANGSMITH_API_KEY` or `LANGCHAIN_API_KEY` (required),
    /// `LANGSMITH_ENDPOINT`/`LANGCHAIN_ENDPOINT`, `LANGSMITH_PROJECT`/`LANGCHAIN_PROJECT`; the
    /// model from charm.yaml's `runtime.config.model`.
    package convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy()) throws(ExporterSetupError) {
        let key = try context.secret(Self.name, "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")
        self.init(
            apiKey: key,
            endpoint: context.value("LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT") ?? "https://api.smith.langchain.com",
            project: context.value("LANGSMITH_PROJECT", "LANGCHAIN_PROJECT") ?? "default",
            agentName: context.agentName, modelName: context.modelName, policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "LangSmith runs via batch ingest (post on start, patch on end)",
        requiredEnvironment: [["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"]]
    ) { context in try LangSmithExporter(context: context) }

    /// Converts the event and queues what it produces; never touches the network.
    public func handle(_ event: TelemetryEvent) { core.handle(event) }
    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { core.flush(deadline: deadline) }
    /// Ends open spans, sends them with what is queued (one last attempt), and stops.
    public func shutdown() { core.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    package var status: ExporterStatus { core.status }
}
