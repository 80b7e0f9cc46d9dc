import CharmTelemetry

/// Sends runs, tool calls and token streams to Datadog LLM Observability, agentless, through
/// its documented HTTP intake (`POST https://api.<site>/api/intake/llm-obs/v1/trace/spans`).
///
/// Spans are sent when they end: the exporter keeps open spans keyed by run id and call id.
public final class DatadogExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "datadog"

    private let core: SpanExporterCore<[UInt8]>
    /// Where it posts (without credentials).
    package var endpointDescription: String { core.engine.endpoint.displayURL }

    /// The intake's path, below the origin (`https://api.<site>` or the override).
    package static let intakePath = "/api/intake/llm-obs/v1/trace/spans"

    /// The intake URL for a site, or below `overrideOrigin` when one is given — ddtrace's
    /// `DD_LLMOBS_OVERRIDE_ORIGIN`: an origin (`http://host:port`, a path kept as a prefix)
    /// that replaces `https://api.<site>`, for a proxy, a test intake or a private link.
    package static func intakeURL(site: String, overrideOrigin: String? = nil) -> String {
        guard var origin = overrideOrigin, !origin.isEmpty else { return "https://api.\(site)\(intakePath)" }
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin + intakePath
    }

    /// An exporter with every setting given; `endpointURL` replaces the site's intake URL
    /// (tests, proxies); `model` labels llm spans (`meta.model_name`/`model_provider`).
    public init(
        apiKey: String, site: String = "datadoghq.com", mlApp: String, agentName: String, tags: [String] = [],
        endpointURL: String? = nil, modelName: String? = nil, modelProvider: String? = nil,
        policy: DeliveryPolicy = DeliveryPolicy()
    ) {
        let url = endpointURL ?? Self.intakeURL(site: site)
        let model = modelName.map { LLMModel(name: $0, provider: modelProvider) }
        let engine = DeliveryEngine<[UInt8]>(
            endpoint: HTTPEndpoint(url: url, headers: [("DD-API-KEY", apiKey)]), policy: policy,
            redactor: Redactor(secrets: [apiKey]), name: Self.name
        ) { spans in
            HTTPPayload(body: DatadogSpanMapping.body(spans: spans, mlApp: mlApp, tags: tags), contentType: "application/json")
        }
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            guard case .finished(let s) = change else { return [] }
            let bytes = JSONBytes.object(DatadogSpanMapping.span(s, mlApp: mlApp, model: model))
            return [(bytes, bytes.count)]
        }
    }

    /// Builds it from the environment: `DATADOG_API_KEY` or `DD_API_KEY` (required),
    /// `DD_SITE`, `DD_LLMOBS_OVERRIDE_ORIGIN` (ddtrace's name for the intake's origin),
    /// `DD_LLMOBS_ML_APP` (else charm.yaml's id), `DD_ENV`, `DD_SERVICE`; the model from
    /// charm.yaml's `runtime.config.model`.
    package convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy()) throws(ExporterSetupError) {
        let key = try context.secret(Self.name, "DATADOG_API_KEY", "DD_API_KEY")
        let mlApp = context.value("DD_LLMOBS_ML_APP") ?? context.configuration?.id ?? context.agentName
        var tags = ["source:charm-telemetry"]
        if let env = context.value("DD_ENV") { tags.append("env:\(env)") }
        if let service = context.value("DD_SERVICE") { tags.append("service:\(service)") }
        let site = context.value("DD_SITE") ?? "datadoghq.com"
        self.init(
            apiKey: key, site: site, mlApp: mlApp, agentName: context.agentName, tags: tags,
            endpointURL: Self.intakeURL(site: site, overrideOrigin: context.value("DD_LLMOBS_OVERRIDE_ORIGIN")),
            modelName: context.modelName, policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "Datadog LLM Observability spans (agentless HTTP intake)",
        requiredEnvironment: [["DATADOG_API_KEY", "DD_API_KEY"]]
    ) { context in try DatadogExporter(context: context) }

    /// Converts the event and queues what it produces; never touches the network.
    public func handle(_ event: TelemetryEvent) { core.handle(event) }
    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { core.flush(deadline: deadline) }
    /// Ends open spans, sends them with what is queued (one last attempt), and stops.
    public func shutdown() { core.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    package var status: ExporterStatus { core.status }
}
