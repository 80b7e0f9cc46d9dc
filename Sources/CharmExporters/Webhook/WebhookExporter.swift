import CharmTelemetry
import Crypto

/// Posts batches of events (a JSON array of `ReplayLine` objects) to a URL, signed so the
/// receiver can check they came from us: `X-Charm-Signature: sha256=<hex HMAC-SHA256 of the
/// body with the shared secret>` and `X-Charm-Timestamp: <unix seconds>`.
public final class WebhookExporter: TelemetryExporter, ExporterStatusReporting {
    /// The registry name.
    public static let name = "webhook"

    private let engine: DeliveryEngine<[UInt8]>

    /// An exporter posting to `url`, signing with `secret`.
    public init(url: String, secret: String, policy: DeliveryPolicy = DeliveryPolicy()) {
        engine = DeliveryEngine<[UInt8]>(
            endpoint: HTTPEndpoint(url: url), policy: policy, redactor: Redactor(secrets: [secret]), name: Self.name
        ) { lines in
            let body = JSONBytes.array(lines)
            return HTTPPayload(
                body: body, contentType: "application/json",
                headers: [
                    ("X-Charm-Signature", "sha256=" + WebhookExporter.signature(body: body, secret: secret)),
                    ("X-Charm-Timestamp", String(Timestamp.now().microseconds / 1_000_000)),
                ])
        }
    }

    /// The hex HMAC-SHA256 of `body`.
    static func signature(body: [UInt8], secret: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        return DerivedID.hex(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)))
    }

    /// Builds it from `CHARM_TELEMETRY_WEBHOOK_URL` and `CHARM_TELEMETRY_WEBHOOK_SECRET` (both required).
    package convenience init(context: ExporterContext, policy: DeliveryPolicy = DeliveryPolicy()) throws(ExporterSetupError) {
        let url = try context.secret(Self.name, "CHARM_TELEMETRY_WEBHOOK_URL")
        let secret = try context.secret(Self.name, "CHARM_TELEMETRY_WEBHOOK_SECRET")
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalid(name: Self.name, reason: "CHARM_TELEMETRY_WEBHOOK_URL is not an http(s) URL")
        }
        self.init(url: url, secret: secret, policy: policy)
    }

    /// The registry entry.
    public static let descriptor = ExporterDescriptor(
        name: name, summary: "Signed JSON batches of events to a URL (HMAC-SHA256)",
        requiredEnvironment: [["CHARM_TELEMETRY_WEBHOOK_URL"], ["CHARM_TELEMETRY_WEBHOOK_SECRET"]]
    ) { context in try WebhookExporter(context: context) }

    /// Queues the event's line for the next batch; never touches the network.
    public func handle(_ event: TelemetryEvent) {
        let line = ReplayLine.bytes(for: event)
        engine.append(line, bytes: line.count + 1)
    }

    /// Sends what is queued and waits for it until `deadline`; false if something is left.
    public func flush(deadline: ContinuousClock.Instant) -> Bool { engine.flush(deadline: deadline) }
    /// Sends what is queued (one last attempt) and stops.
    public func shutdown() { engine.shutdown() }
    /// Health, held, dropped and sent counts, and the last error (secrets removed).
    package var status: ExporterStatus { engine.status }
}
