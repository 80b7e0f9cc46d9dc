import CharmTelemetry
import Synchronization

/// Sends runs to Sentry as transactions (tool calls as `gen_ai.execute_tool` spans, token
/// streams as `gen_ai.chat` spans) and run and tool errors as error events, in envelopes
/// posted to the project's envelope endpoint.
public final class SentryExporter: EventDrivenExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "sentry"

    private let core: SpanExporterCore<JSONObject>
    private let mapping: SentryEventMapping
    /// Trace root per run, for error events (which arrive before their run's transaction).
    private let traces = Mutex<[String: String]>([:])

    /// An exporter for a parsed DSN.
    public init(
        dsn: SentryDSN, environment: String = "production", release: String? = nil, agentName: String,
        policy: DeliveryPolicy = DeliveryPolicy(gzip: true)
    ) {
        var policy = policy
        // Sentry takes one event per envelope.
        policy.maxBatchCount = 1
        let mapping = SentryEventMapping(environment: environment, release: release)
        self.mapping = mapping
        let engine = DeliveryEngine<JSONObject>(
            endpoint: HTTPEndpoint(url: dsn.envelopeURL, headers: [("X-Sentry-Auth", dsn.authHeader)]), policy: policy,
            redactor: Redactor(secrets: [dsn.publicKey] + (dsn.secretKey.map { [$0] } ?? [])), name: Self.name
        ) { events in
            HTTPPayload(body: events.flatMap(SentryEventMapping.envelope), contentType: "application/x-sentry-envelope")
        }
        core = SpanExporterCore(agentName: agentName, engine: engine) { change in
            mapping.events(for: change).map { ($0, 512) }
        }
    }

    /// Builds it from `SENTRY_DSN` (required), `SENTRY_ENVIRONMENT`, `SENTRY_RELEASE`.
    public convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy(gzip: true))
        throws(ExporterSetupError)
    {
        let text = try context.secret(Self.name, "SENTRY_DSN")
        guard let dsn = SentryDSN(text) else {
            throw .invalid(name: Self.name, reason: "SENTRY_DSN is not a DSN (https://KEY@HOST/PROJECT_ID)")
        }
        self.init(
            dsn: dsn, environment: context.value("SENTRY_ENVIRONMENT") ?? "production",
            release: context.value("SENTRY_RELEASE"), agentName: context.agentName, policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "Sentry transactions per run and error events", requiredEnvironment: [["SENTRY_DSN"]]
    ) { context in try SentryExporter(context: context) }

    /// Queues an error event for run and tool errors, and spans for the transaction; never touches the network.
    public func handle(_ event: TelemetryEvent) {
        let trace = traces.withLock { t -> String in
            if case .runStart = event.payload {
                if t.count > 50_000 { t.removeAll() }
                t[event.runID] = event.parentRunID.map { t[$0] ?? $0 } ?? event.runID
            }
            return t[event.runID] ?? event.runID
        }
        if let e = mapping.errorEvent(for: event, traceKey: trace) { core.append(e, bytes: 512) }
        core.handle(event)
    }

    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { core.flush(deadline: deadline) }
    /// Ends open spans, sends them with what is queued (one last attempt), and stops.
    public func shutdown() { core.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    public var status: ExporterStatus { core.status }
}
