import AsyncHTTPClient
import CharmTelemetry
import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Batches items and posts them over HTTP: the delivery half shared by every HTTP exporter.
///
/// Hooks call `append` (a short lock, never I/O), so the exporter's worker never waits on the
/// network and the agent never waits on anything. One sender thread per engine cuts batches
/// by count, bytes or age, posts them one at a time (so a vendor sees them in order), and
/// retries transient failures with exponential backoff and jitter, honouring `Retry-After`.
/// A thread rather than a task because its waits (backoff, a hung server) must not hold a
/// thread of the cooperative pool; requests go through `DeliveryClient.shared` (one event loop,
/// which AsyncHTTPClient 1.37.0 needs to survive servers closing just after answering).
///
/// What it holds is bounded by `policy.capacity`; beyond that new items are dropped and
/// counted, as OpenTelemetry's BatchSpanProcessor does.
package final class DeliveryEngine<Item: Sendable>: Sendable {
    /// Builds a request body from a batch; a thrown error rejects the batch.
    package typealias Encoder = @Sendable ([Item]) throws -> HTTPPayload

    private struct Pending {
        var item: Item
        var bytes: Int
    }

    private struct State {
        var buffer: [Pending] = []
        var bufferedBytes = 0
        var inFlight = 0
        /// Items accepted, and items settled (sent, rejected or given up): a flush waits for
        /// `settled` to reach the `accepted` it saw.
        var accepted: UInt64 = 0
        var settled: UInt64 = 0
        var sent = 0
        var dropped = 0
        var health: ExporterHealth = .ok
        var lastError: String?
        var oldest: ContinuousClock.Instant?
        var flushTarget: UInt64 = 0
        var waiters: [(target: UInt64, done: DispatchSemaphore)] = []
        var senderIdle = false
        var stopping = false
        var finished = false
    }

    /// Where it posts.
    package let endpoint: HTTPEndpoint
    /// How it batches and retries.
    package let policy: DeliveryPolicy
    private let encode: Encoder
    private let redactor: Redactor
    private let client: HTTPClient
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    /// An engine posting to `endpoint`; `redactor` scrubs its errors.
    package init(
        endpoint: HTTPEndpoint, policy: DeliveryPolicy = DeliveryPolicy(), redactor: Redactor = Redactor(),
        name: String = "http", encode: @escaping Encoder
    ) {
        self.endpoint = endpoint
        self.policy = policy
        self.encode = encode
        // Not a parameter: a client on more than one event loop brings the crash back.
        self.client = DeliveryClient.shared
        // Header values are credentials more often than not: scrub them all, and the URL's
        // user info and query values, which a refusing server may echo in its body.
        self.redactor = Redactor(
            secrets: redactor.secrets + endpoint.headers.map(\.1) + Redactor.urlSecrets(endpoint.url))
        let thread = Thread { [self] in self.run() }
        thread.name = "charm-delivery-\(name)"
        thread.start()
    }

    /// Queues an item whose encoded size is about `bytes`. Never blocks beyond a short lock;
    /// when the engine is full the item is dropped and counted.
    package func append(_ item: Item, bytes: Int) {
        let signal = state.withLock { s -> Bool in
            if s.stopping || s.buffer.count + s.inFlight >= policy.capacity {
                s.dropped += 1
                return false
            }
            s.buffer.append(Pending(item: item, bytes: bytes))
            s.bufferedBytes += bytes
            s.accepted &+= 1
            if s.oldest == nil { s.oldest = .now }
            // Wake the sender for its first item (to start the age timer) or a full batch.
            let full = s.buffer.count >= policy.maxBatchCount || s.bufferedBytes >= policy.maxBatchBytes
            if s.senderIdle && (full || s.buffer.count == 1) {
                s.senderIdle = false
                return true
            }
            return false
        }
        if signal { wake.signal() }
    }

    /// What the engine reports: health, held items, drops, deliveries, last error.
    package var status: ExporterStatus {
        state.withLock { s in
            ExporterStatus(
                health: s.health, buffered: s.buffer.count + s.inFlight, dropped: s.dropped, sent: s.sent,
                lastError: s.lastError)
        }
    }

    /// Sends everything accepted so far now, and waits until it is settled or `deadline`
    /// passes. Returns true when all of it was delivered or definitively refused.
    package func flush(deadline: ContinuousClock.Instant) -> Bool {
        let done: DispatchSemaphore? = state.withLock { s in
            guard s.settled < s.accepted, !s.finished else { return nil }
            s.flushTarget = max(s.flushTarget, s.accepted)
            let sem = DispatchSemaphore(value: 0)
            s.waiters.append((s.accepted, sem))
            return sem
        }
        guard let done else { return true }
        wake.signal()
        if done.wait(timeout: DispatchTime.after(deadline)) == .success { return true }
        state.withLock { s in s.waiters.removeAll { $0.done === done } }
        return false
    }

    /// Stops the sender: what is still held gets one last attempt each (no more retries),
    /// waiting at most `grace`. Items after this are dropped.
    package func shutdown(grace: Duration = .seconds(2)) {
        let first = state.withLock { s -> Bool in
            defer { s.stopping = true }
            return !s.stopping
        }
        guard first else { return }
        wake.signal()
        _ = exited.wait(timeout: DispatchTime.after(.now + grace))
    }

    // MARK: - Sender

    private enum Step {
        case send([Item], bytes: Int)
        case wait(ContinuousClock.Instant?)
        case exit
    }

    private func run() {
        defer {
            state.withLock { $0.finished = true }
            exited.signal()
        }
        while true {
            switch nextStep() {
            case .exit: return
            case .wait(let until):
                if let until { _ = wake.wait(timeout: DispatchTime.after(until)) } else { wake.wait() }
            case .send(let batch, let bytes): deliver(batch, bytes: bytes)
            }
        }
    }

    private func nextStep() -> Step {
        state.withLock { s in
            if s.buffer.isEmpty {
                if s.stopping { return .exit }
                s.senderIdle = true
                return .wait(nil)
            }
            let now = ContinuousClock.now
            let dueAt = (s.oldest ?? now).advanced(by: policy.maxDelay)
            let due = s.buffer.count >= policy.maxBatchCount || s.bufferedBytes >= policy.maxBatchBytes
                || s.flushTarget > s.settled || s.stopping || now >= dueAt
            if !due {
                s.senderIdle = true
                return .wait(dueAt)
            }
            var n = 0
            var bytes = 0
            while n < s.buffer.count, n < policy.maxBatchCount {
                let b = s.buffer[n].bytes
                if n > 0 && bytes + b > policy.maxBatchBytes { break }
                bytes += b
                n += 1
            }
            let batch = s.buffer[0..<n].map(\.item)
            s.buffer.removeFirst(n)
            s.bufferedBytes -= bytes
            s.inFlight = n
            // The rest waited as long as the batch just cut; let them go on the next turn.
            s.oldest = s.buffer.isEmpty ? nil : min(now, s.oldest ?? now)
            return .send(batch, bytes: bytes)
        }
    }

    private func deliver(_ batch: [Item], bytes: Int) {
        let request: HTTPClient.Request
        do {
            request = try makeRequest(batch)
        } catch {
            settle(batch.count, delivered: false, error: "could not build request: \(error)", health: .failing)
            return
        }
        var attempt = 0
        while true {
            attempt += 1
            switch perform(request) {
            case .delivered:
                settle(batch.count, delivered: true, error: nil, health: .ok)
                return
            case .rejected(let reason):
                settle(batch.count, delivered: false, error: reason, health: .failing)
                return
            case .retry(let reason, let after):
                let stopping = state.withLock { $0.stopping }
                if attempt >= policy.maxAttempts || stopping {
                    let why = stopping ? "shutting down" : "gave up after \(attempt) attempts"
                    settle(batch.count, delivered: false, error: "\(reason) (\(why))", health: .failing)
                    return
                }
                state.withLock { s in
                    s.health = .retrying
                    s.lastError = redactor.clean(reason)
                }
                let delay = min(after ?? policy.backoff(attempt: attempt), policy.maxBackoff)
                sleep(until: .now + delay)
            }
        }
    }

    /// Sleeps through a backoff; only shutdown cuts it short (a flush must not make us
    /// ignore a server's `Retry-After`).
    private func sleep(until: ContinuousClock.Instant) {
        while ContinuousClock.now < until {
            if state.withLock({ $0.stopping }) { return }
            _ = wake.wait(timeout: DispatchTime.after(until))
        }
    }

    private func settle(_ count: Int, delivered: Bool, error: String?, health: ExporterHealth) {
        let ready = state.withLock { s -> [DispatchSemaphore] in
            s.inFlight = 0
            s.settled &+= UInt64(count)
            if delivered { s.sent += count } else { s.dropped += count }
            s.health = health
            if let error { s.lastError = redactor.clean(error) }
            let settled = s.settled
            let ready = s.waiters.filter { $0.target <= settled }.map(\.done)
            s.waiters.removeAll { $0.target <= settled }
            return ready
        }
        for r in ready { r.signal() }
    }

    private func makeRequest(_ batch: [Item]) throws -> HTTPClient.Request {
        let payload = try encode(batch)
        var headers = HTTPHeaders()
        for (k, v) in endpoint.headers { headers.replaceOrAdd(name: k, value: v) }
        headers.replaceOrAdd(name: "Content-Type", value: payload.contentType)
        headers.replaceOrAdd(name: "User-Agent", value: "charm-telemetry/\(CharmExporters.version)")
        for (k, v) in payload.headers { headers.replaceOrAdd(name: k, value: v) }
        var body = payload.body
        if policy.gzip {
            body = try Gzip.compress(body)
            headers.replaceOrAdd(name: "Content-Encoding", value: "gzip")
        }
        return try HTTPClient.Request(
            url: endpoint.url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer(bytes: body)))
    }

    private func perform(_ request: HTTPClient.Request) -> AttemptOutcome {
        let timeout = policy.requestTimeout.components
        let ns = timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000
        do {
            let response = try client.execute(request: request, deadline: .now() + .nanoseconds(ns)).wait()
            let code = Int(response.status.code)
            return AttemptOutcome.classify(
                status: code, retryAfter: response.headers.first(name: "Retry-After"),
                reason: self.describe(response))
        } catch {
            return .retry(reason: "POST \(endpoint.displayURL): \(error)", after: nil)
        }
    }

    private func describe(_ response: HTTPClient.Response) -> String {
        var text = "POST \(endpoint.displayURL): HTTP \(response.status.code)"
        if var body = response.body, body.readableBytes > 0 {
            let snippet = body.readString(length: min(300, body.readableBytes)) ?? ""
            text += ": " + snippet.replacingOccurrences(of: "\n", with: " ")
        }
        return text
    }
}

extension DispatchTime {
    /// The dispatch time of a continuous-clock instant (both count from boot on Linux and
    /// macOS, but the offset is computed to be safe).
    static func after(_ instant: ContinuousClock.Instant) -> DispatchTime {
        let left = ContinuousClock.now.duration(to: instant).components
        let ns = max(0, left.seconds * 1_000_000_000 + left.attoseconds / 1_000_000_000)
        return .now() + .nanoseconds(Int(min(ns, Int64(Int.max / 2))))
    }
}
