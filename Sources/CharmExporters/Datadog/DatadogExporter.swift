import CharmTelemetry

/// Sends runs, tool calls and token streams to Datadog LLM Observability, agentless, through
/// its HTTP intake (`POST https://api.<site>/api/intake/llm-obs/v1/trace/spans`).
///
/// Spans are sent when they end: the exporter keeps open spans keyed by run id and call id.
public final class DatadogExporter: EventDrivenExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "datadog"

    private let core: SpanExporterCore<[UInt8]>
    /// Where it posts (without credentials).
    public var endpointDescription: String { core.engine.endpoint.displayURL }

    /// An exporter with every setting given; `endpointURL` replaces the site's intake URL
    /// (tests, proxies).
    public init(
        apiKey: String, site: String = "datadoghq.com", mlApp: String, agentName: String, tags: [String] = [],
        endpointURL: String? = nil, policy: DeliveryPolicy = DeliveryPolicy()
    ) {
        let url = endpointURL ?? "https://api.\(site)/api/intake/llm-obs/v1/trace/spans"
        let engine = DeliveryEngine<[UInt8]>(
            endpoint: HTTPEndpoint(url: url, headers: [("DD-API-KEY", apiKey)]), policy: policy,
            redactor: Redactor(secrets: [apiKey]), name: Self.name
        ) { spans in
            HTTPPayload(body: DatadogSpanMapping.body(spans: spans, mlApp: mlApp, tags: tags), contentType: "application/json")
        }
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            guard case .finished(let s) = change else { return [] }
            let bytes = JSONBytes.object(DatadogSpanMapping.span(s))
            return [(bytes, bytes.count)]
        }
    }

    /// Builds it from the environment: `DATADOG_API_KEY` or `DD_API_KEY` (required),
    /// `DD_SITE`, `DD_LLMOBS_ML_APP` (else charm.yaml's id), `DD_ENV`, `DD_SERVICE`.
    public convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy()) throws(ExporterSetupError) {
        let key = try context.secret(Self.name, "DATADOG_API_KEY", "DD_API_KEY")
        let mlApp = context.value("DD_LLMOBS_ML_APP") ?? context.configuration?.id ?? context.agentName
        var tags = ["source:charm-telemetry"]
        if let env = context.value("DD_ENV") { tags.append("env:\(env)") }
        if let service = context.value("DD_SERVICE") { tags.append("service:\(service)") }
        self.init(
            apiKey: key, site: context.value("DD_SITE") ?? "datadoghq.com", mlApp: mlApp,
            agentName: context.agentName, tags: tags, policy: policy)
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
    public var status: ExporterStatus { core.status }
}
