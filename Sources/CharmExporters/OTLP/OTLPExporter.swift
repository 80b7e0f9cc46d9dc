import CharmTelemetry

/// Sends spans to any OpenTelemetry collector or vendor over OTLP/HTTP (protobuf or JSON),
/// named and attributed per the OpenTelemetry GenAI semantic conventions: runs as
/// `invoke_agent {agent}`, tool calls as `execute_tool {tool}`, token streams as `chat`.
///
/// Trace ids are derived from the root run id (16 bytes) and span ids from the run or call id
/// (8 bytes), so a child's parent id is known without shared state. Spans are sent when they end.
public final class OTLPExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "otlp"

    private let core: SpanExporterCore<OTLPSpan>
    /// The settings it runs with.
    package let configuration: OTLPConfiguration

    /// An exporter with explicit settings.
    public init(
        configuration: OTLPConfiguration, agentName: String, agentID: String? = nil,
        policy: DeliveryPolicy = DeliveryPolicy()
    ) {
        self.configuration = configuration
        var policy = policy
        policy.gzip = configuration.gzip
        policy.requestTimeout = configuration.timeout
        let resource: [(String, OTLPSpan.Value)] =
            configuration.resource.map { ($0.0, .string($0.1)) } + [
                ("telemetry.sdk.name", .string("charm-telemetry")), ("telemetry.sdk.language", .string("swift")),
                ("telemetry.sdk.version", .string(CharmExporters.version)),
            ]
        let wire = configuration.wireProtocol
        let engine = DeliveryEngine<OTLPSpan>(
            endpoint: HTTPEndpoint(url: configuration.url, headers: configuration.headers), policy: policy,
            name: Self.name
        ) { spans in
            switch wire {
            case .protobuf:
                HTTPPayload(body: OTLPEncoding.protobuf(spans, resource: resource), contentType: "application/x-protobuf")
            case .json:
                HTTPPayload(body: OTLPEncoding.json(spans, resource: resource), contentType: "application/json")
            }
        }
        let mapping = OTLPSpanMapping(agentName: agentName, agentID: agentID ?? agentName)
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            guard case .finished(let s) = change else { return [] }
            let span = mapping.span(s)
            return [(span, span.estimatedBytes)]
        }
    }

    /// Builds it from the `OTEL_EXPORTER_OTLP_*` variables (none is required: the default
    /// endpoint is a local collector, `http://localhost:4318/v1/traces`).
    package convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy()) throws(ExporterSetupError) {
        let config = try OTLPConfiguration(environment: context.environment, serviceName: context.agentName)
        self.init(
            configuration: config, agentName: context.agentName, agentID: context.configuration?.id, policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "OpenTelemetry OTLP/HTTP traces (GenAI semantic conventions)"
    ) { context in try OTLPExporter(context: context) }

    /// Converts the event and queues what it produces; never touches the network.
    public func handle(_ event: TelemetryEvent) { core.handle(event) }
    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { core.flush(deadline: deadline) }
    /// Ends open spans, sends them with what is queued (one last attempt), and stops.
    public func shutdown() { core.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    package var status: ExporterStatus { core.status }
}
