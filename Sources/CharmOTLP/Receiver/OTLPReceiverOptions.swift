/// How the OTLP receivers accept requests: who may send, and how much.
package struct OTLPReceiverOptions: Sendable {
    /// The bearer token every request must carry in `Authorization` (HTTP header or gRPC
    /// metadata), or `nil` to accept any (loopback only: the monitor refuses a remote
    /// address without one).
    package var token: String?
    /// The largest body accepted, compressed or not (larger: 413, or RESOURCE_EXHAUSTED).
    package var maxBodyBytes = 16 << 20
    /// The largest body once gunzipped.
    package var maxDecompressedBytes = 64 << 20
    /// Bodies held at once over all connections; a request that would go over is answered
    /// 503 with `Retry-After` rather than held (memory stays bounded, whatever the senders).
    package var maxBytesInFlight = 128 << 20
    /// Requests being decoded and applied at once; more are answered 503 with `Retry-After`.
    package var maxRequestsInFlight = 64
    /// What `Retry-After` says, in seconds.
    package var retryAfterSeconds = 1

    /// The standard limits, with `token` if given.
    package init(token: String? = nil) { self.token = token }

    /// Whether `header` (an `Authorization` value) carries the token. Compared in constant
    /// time, so the answer's timing tells nothing of how much of a guess was right.
    package func authorizes(_ header: String?) -> Bool {
        guard let token else { return true }
        guard let header else { return false }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else { return false }
        let given = Array(header.utf8.dropFirst(prefix.utf8.count))
        let wanted = Array(token.utf8)
        var diff = UInt8(given.count == wanted.count ? 0 : 1)
        for i in 0..<wanted.count { diff |= wanted[i] ^ (i < given.count ? given[i] : 0) }
        return diff == 0
    }
}
