/// One request body an exporter built from a batch, with what describes it.
package struct HTTPPayload: Sendable {
    /// The body before any compression.
    package var body: [UInt8]
    /// The `Content-Type`.
    package var contentType: String
    /// Headers that depend on the body (a signature, a timestamp); the engine adds the
    /// endpoint's fixed headers itself.
    package var headers: [(String, String)]

    /// A payload with every field given.
    package init(body: [UInt8], contentType: String, headers: [(String, String)] = []) {
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

/// Where and how an engine posts.
package struct HTTPEndpoint: Sendable {
    /// The full URL posted to.
    package var url: String
    /// Headers sent with every request (credentials among them: never shown).
    package var headers: [(String, String)]

    /// An endpoint with every field given.
    package init(url: String, headers: [(String, String)] = []) {
        self.url = url
        self.headers = headers
    }

    /// The URL without credentials, for errors and the monitor.
    package var displayURL: String { Redactor.displayURL(url) }
}

/// What one HTTP attempt came to.
enum AttemptOutcome: Sendable, Equatable {
    /// 2xx.
    case delivered
    /// Worth trying again: connection errors, timeouts, 408, 429, 5xx.
    case retry(reason: String, after: Duration?)
    /// The server refused the batch for good (other 4xx, or a body we could not build).
    case rejected(reason: String)

    /// The outcome of a response status, per the OTLP/HTTP retry rules every vendor here
    /// follows: 408, 429 and 5xx are transient; any other 4xx will fail the same way again.
    static func classify(status: Int, retryAfter: String?, reason: @autoclosure () -> String) -> AttemptOutcome {
        switch status {
        case 200..<300: .delivered
        case 408, 429, 500..<600: .retry(reason: reason(), after: RetryAfter.delay(retryAfter))
        default: .rejected(reason: reason())
        }
    }
}
