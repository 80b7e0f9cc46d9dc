import AsyncHTTPClient
import CharmTelemetry
import NIOCore
import NIOHTTP1

/// Follows the Charm runner's Server-Sent Events stream with a streaming GET.
///
/// When the connection drops (or the server closes before `internal_run_finished`, the
/// runner's last event), it reconnects with exponential backoff, sending the last `id:`
/// seen as `Last-Event-ID` so a server that numbers its events can resume where it stopped.
/// One decoder spans the reconnects, so the legacy run it rebuilds is not split in two.
struct SSESource {
    /// Seconds to wait after the `failures`-th attempt in a row that delivered nothing:
    /// doubling from `initial`, capped at `max`.
    static func backoff(failures: Int, initial: Double, max cap: Double) -> Double {
        min(cap, initial * Double(1 << min(Swift.max(failures, 1) - 1, 20)))
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
    /// Returns false if it never connected.
    mutating func run() async -> Bool {
        var failures = 0
        var everConnected = false
        var finished = false
        var lastError: String?
        pump.phase(.connecting)
        while !Task.isCancelled {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "Cache-Control", value: "no-cache")
            if let id = pump.decoder.lastEventID { request.headers.add(name: "Last-Event-ID", value: id) }
            var gotData = false
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(connectTimeout * 1000)))
                guard response.status == .ok else {
                    throw SSEError(message: "HTTP \(response.status.code) \(response.status.reasonPhrase)")
                }
                everConnected = true
                pump.phase(.open)
                for try await buffer in response.body {
                    gotData = true
                    buffer.withUnsafeReadableBytes { pump.feed($0) }
                    if pump.sawRunFinished { finished = true }
                }
                // A frame cut by the close is dropped, as the SSE specification says: the server
                // sends it again after the reconnect, from Last-Event-ID.
                let cut = pump.abandon()
                if pump.sawRunFinished { finished = true }
                if finished { break }
                lastError = "server closed the stream before the run finished" + SSESource.cutNote(cut)
            } catch {
                let cut = pump.abandon()
                lastError = ((error as? SSEError)?.message ?? "\(error)") + SSESource.cutNote(cut)
            }
            if Task.isCancelled { break }
            failures = gotData ? 1 : failures + 1
            if failures > maxRetries { break }
            let delay = SSESource.backoff(failures: failures, initial: initialBackoff, max: maxBackoff)
            pump.phase(.waiting, "\(lastError ?? "disconnected"); reconnecting in \(formatSeconds(delay))")
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        if finished || Task.isCancelled {
            pump.phase(.ended)
        } else {
            pump.phase(everConnected ? .ended : .failed, "gave up after \(failures) attempts: \(lastError ?? "no stream")")
        }
        return everConnected
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
