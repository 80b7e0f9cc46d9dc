import AsyncHTTPClient
import CharmTelemetry
import CharmWire
import NIOCore
import NIOHTTP1

/// Follows the Charm runner's Server-Sent Events stream with a streaming GET.
///
/// When the connection drops (or the server closes before `internal_run_finished`, the
/// runner's last event), it reconnects with exponential backoff, sending the last `id:`
/// dispatched as `Last-Event-ID` so a server that numbers its events can resume where it
/// stopped. One decoder spans the reconnects, so the legacy run it rebuilds is not split in two.
///
/// An attempt counts as failed unless it delivered at least one valid event: bytes alone
/// (an HTML page, only comments, junk) are no progress, so such a server is given up on
/// after `maxRetries` instead of being fetched every half second forever. Giving up is a
/// failure (`failed`), never `ended`: the stream did not reach the runner's last event.
struct SSESource {
    /// How a source's run ended.
    enum Outcome {
        /// The runner's `internal_run_finished` came, or the hub stopped it.
        case finished
        /// Gave up after `maxRetries` failed attempts in a row, having connected at least once.
        case gaveUp
        /// Never got a stream: every attempt failed before the response head.
        case neverOpened
    }

    /// Seconds to wait after the `failures`-th attempt in a row that delivered nothing:
    /// doubling from `initial`, capped at `max`.
    static func backoff(failures: Int, initial: Double, max cap: Double) -> Double {
        let b = Backoff(initial: .nanoseconds(Int64(initial * 1e9)), cap: .nanoseconds(Int64(cap * 1e9)), jitter: false)
        return Backoff.seconds(b.nominal(attempt: failures))
    }

    let url: String
    let maxRetries: Int
    let initialBackoff: Double
    let maxBackoff: Double
    /// AsyncHTTPClient retries a refused connection until the request's deadline, so the
    /// deadline (which ends once the response head arrives) is what bounds one attempt.
    let connectTimeout: Double
    var pump: DecodingPump

    /// Runs until the stream is finished or `maxRetries` attempts in a row failed.
    mutating func run() async -> Outcome {
        var failures = 0
        var everConnected = false
        var finished = false
        var lastError: String?
        // CR-only line endings are allowed by the specification; the decoder splits at LF.
        var lineEndings = SSELineEndings()
        pump.enter(.connecting)
        // A frame cut by the close is dropped, as the SSE specification says: the server
        // sends it again after the reconnect, from Last-Event-ID. Returns its bytes.
        func dropCutFrame() -> Int {
            lineEndings.reset()
            return pump.abandon()
        }
        while !Task.isCancelled {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "Cache-Control", value: "no-cache")
            if let id = pump.decoder.lastEventID, !id.isEmpty { request.headers.add(name: "Last-Event-ID", value: id) }
            let eventsBefore = pump.events
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(connectTimeout * 1000)))
                guard response.status == .ok else {
                    throw SSEError(message: "HTTP \(response.status.code) \(response.status.reasonPhrase)")
                }
                everConnected = true
                pump.enter(.open)
                for try await buffer in response.body {
                    buffer.withUnsafeReadableBytes { raw in lineEndings.normalize(raw) { pump.feed($0) } }
                    if pump.sawRunFinished { finished = true }
                }
                let cut = dropCutFrame()
                if pump.sawRunFinished { finished = true }
                if finished { break }
                lastError = "server closed the stream before the run finished" + SSESource.cutNote(cut)
            } catch {
                let cut = dropCutFrame()
                lastError = ((error as? SSEError)?.message ?? "\(error)") + SSESource.cutNote(cut)
            }
            if Task.isCancelled { break }
            // Only events are progress: a server answering bytes that hold none (HTML, only
            // comments) must not reset the count, or it is reconnected forever.
            failures = pump.events > eventsBefore ? 1 : failures + 1
            if failures > maxRetries { break }
            let delay = SSESource.backoff(failures: failures, initial: initialBackoff, max: maxBackoff)
            pump.enter(.waiting, "\(lastError ?? "disconnected"); reconnecting in \(formatSeconds(delay))")
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        if finished || Task.isCancelled {
            pump.enter(.ended)
            return .finished
        }
        // Failed even after a connection: a stream cut short must not look complete.
        pump.enter(.failed, "gave up after \(failures) attempts: \(lastError ?? "no stream")")
        return everConnected ? .gaveUp : .neverOpened
    }

    private func formatSeconds(_ s: Double) -> String {
        s < 1 ? "\(Int(s * 1000)) ms" : "\(Int(s.rounded())) s"
    }
}

struct SSEError: Error {
    var message: String
}

extension SSESource {
    /// What the waiting message says about an event cut by the disconnect.
    static func cutNote(_ bytes: Int) -> String {
        bytes > 0 ? " (an unfinished event of \(bytes) bytes was dropped; the server resends it)" : ""
    }
}
