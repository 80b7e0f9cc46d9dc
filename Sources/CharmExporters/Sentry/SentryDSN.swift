import CharmTelemetry

/// A Sentry DSN, `{scheme}://{public_key}[:{secret}]@{host}[:{port}]/[{path}/]{project_id}`.
public struct SentryDSN: Sendable, Hashable {
    /// http or https.
    package var scheme: String
    /// The public key (`sentry_key`).
    package var publicKey: String
    /// The legacy secret key, if the DSN has one.
    package var secretKey: String?
    /// Host and optional port.
    package var hostAndPort: String
    /// Any path before the project id (self-hosted Sentry under a prefix).
    package var pathPrefix: String
    /// The project id.
    package var projectID: String

    /// Parses a DSN; nil when it is not one.
    public init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = String(text[..<schemeEnd.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let user = rest[..<at]
        if let colon = user.firstIndex(of: ":") {
            publicKey = String(user[..<colon])
            secretKey = String(user[user.index(after: colon)...])
        } else {
            publicKey = String(user)
            secretKey = nil
        }
        let afterAt = rest[rest.index(after: at)...]
        guard let slash = afterAt.firstIndex(of: "/") else { return nil }
        hostAndPort = String(afterAt[..<slash])
        var path = String(afterAt[afterAt.index(after: slash)...])
        while path.hasSuffix("/") { path.removeLast() }
        let parts = path.split(separator: "/")
        guard let last = parts.last, !publicKey.isEmpty, !hostAndPort.isEmpty else { return nil }
        projectID = String(last)
        pathPrefix = parts.dropLast().map { "/" + $0 }.joined()
    }

    /// Where envelopes go: `{scheme}://{host}{prefix}/api/{project_id}/envelope/`.
    package var envelopeURL: String { "\(scheme)://\(hostAndPort)\(pathPrefix)/api/\(projectID)/envelope/" }

    /// The `X-Sentry-Auth` header value.
    package var authHeader: String {
        var h = "Sentry sentry_version=7, sentry_client=charm-telemetry/\(CharmExporters.version), sentry_key=\(publicKey)"
        if let secretKey { h += ", sentry_secret=\(secretKey)" }
        return h
    }
}
