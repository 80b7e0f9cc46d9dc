import CharmTelemetry
import Synchronization

/// Sends runs to Sentry as transactions (tool calls as `gen_ai.execute_tool` spans, token
/// streams as `gen_ai.chat` spans) and run and tool errors as error events, in envelopes
/// posted to the project's envelope endpoint.
public final class SentryExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "sentry"

    private let core: SpanExporterCore<JSONObject>
    private let mapping: SentryEventMapping
    /// Trace root, parent and name per run, for error events (which arrive before their
    /// run's transaction).
    private let places = Mutex<[String: SentryEventMapping.RunPlace]>([:])
    private let agentName: String

    /// An exporter for a parsed DSN; `modelName` labels token-stream spans
    /// (`gen_ai.request.model`, `gen_ai.system`).
    public init(
        dsn: SentryDSN, environment: String = "production", release: String? = nil, agentName: String,
        modelName: String? = nil, modelProvider: String? = nil, policy: DeliveryPolicy = DeliveryPolicy(gzip: true)
    ) {
        self.agentName = agentName
        var policy = policy
        // Sentry takes one event per envelope.
        policy.maxBatchCount = 1
        let mapping = SentryEventMapping(
            environment: environment, release: release, publicKey: dsn.publicKey, agentName: agentName,
            model: modelName.map { LLMModel(name: $0, provider: modelProvider) })
        self.mapping = mapping
        let engine = DeliveryEngine<JSONObject>(
            endpoint: HTTPEndpoint(url: dsn.envelopeURL, headers: [("X-Sentry-Auth", dsn.authHeader)]), policy: policy,
            redactor: Redactor(secrets: [dsn.publicKey] + (dsn.secretKey.map { [$0] } ?? [])), name: Self.name
        ) { events in
            HTTPPayload(body: events.flatMap(mapping.envelope), contentType: "application/x-sentry-envelope")
        }
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            mapping.events(for: change).map { ($0, 512) }
        }
    }

    /// Builds it from `SENTRY_DSN` (required), `SENTRY_ENVIRONMENT`, `SENTRY_RELEASE`; the model
    /// from charm.yaml's `runtime.config.model`.
    package convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy(gzip: true))
        throws(ExporterSetupError)
    {
        let text = try context.secret(Self.name, "SENTRY_DSN")
        guard let dsn = SentryDSN(text) else {
            throw .invalid(name: Self.name, reason: "SENTRY_DSN is not a DSN (https://KEY@HOST/PROJECT_ID)")
        }
        self.init(
            dsn: dsn, environment: context.value("SENTRY_ENVIRONMENT") ?? "production",
            release: context.value("SENTRY_RELEASE"), agentName: context.agentName, modelName: context.modelName,
            policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "Sentry transactions per run and error events", requiredEnvironment: [["SENTRY_DSN"]]
    ) { context in try SentryExporter(context: context) }

    /// Queues an error event for run and tool errors, and spans for the transaction; never touches the network.
    public func handle(_ event: TelemetryEvent) {
        let place = places.withLock { t -> SentryEventMapping.RunPlace in
            if case .runStart = event.payload {
                if t.count > 50_000 { t.removeAll() }
                t[event.runID] = SentryEventMapping.RunPlace(
                    traceKey: event.parentRunID.map { t[$0]?.traceKey ?? $0 } ?? event.runID,
                    parentRunID: event.parentRunID,
                    name: SpanTracker.runName(event.runID, parent: event.parentRunID, agentName: agentName))
            }
            return t[event.runID]
                ?? SentryEventMapping.RunPlace(traceKey: event.runID, parentRunID: nil, name: agentName)
        }
        if let e = mapping.errorEvent(for: event, place: place) { core.append(e, bytes: 512) }
        core.handle(event)
    }

    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { core.flush(deadline: deadline) }
    /// Ends open spans, sends them with what is queued (one last attempt), and stops.
    public func shutdown() { core.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    package var status: ExporterStatus { core.status }
}
