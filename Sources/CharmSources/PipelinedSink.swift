import CharmTelemetry
import CharmWire
import DequeModule
import Dispatch
import Foundation
import Synchronization

/// A sink that hands a reader's batches to a thread of its own, so that decoding the next
/// read and applying the previous one overlap: a file read to its end or a fast stdin keeps
/// both cores busy instead of decoding and applying in turn.
///
/// Order is kept: batches and state changes go through one FIFO and reach `inner` in the
/// order they were given, from one thread. The FIFO is bounded (`depth` items): a reader
/// that gets ahead waits for room, as a reader waits for a slow disk, so memory stays
/// bounded and nothing is dropped. `close()` delivers what is queued and ends the thread;
/// a source calls it before it reports anything outside the pipeline.
package final class PipelinedSink: SourceSink {
    private enum Item {
        case records([DecodedRecord], source: String)
        case state(SourceState, source: String, error: String?)
        /// Signalled when the consumer reaches it: everything before it was delivered.
        case barrier(DispatchSemaphore)
        case end

        var isEnd: Bool { if case .end = self { true } else { false } }
    }

    private struct Queue {
        var items = Deque<Item>()
        var consumerWaiting = false
        var producersWaiting = 0
    }

    private let inner: any SourceSink
    private let depth: Int
    private let queue = Mutex(Queue())
    /// Signalled when an item arrives for a waiting consumer.
    private let arrived = DispatchSemaphore(value: 0)
    /// Signalled (once per waiting producer) when the consumer takes an item off a full FIFO.
    private let room = DispatchSemaphore(value: 0)
    /// Signalled once the consumer has delivered `.end`.
    private let finished = DispatchSemaphore(value: 0)
    private let closed = Atomic<Bool>(false)

    /// Starts the delivering thread; `depth` is how many batches may wait (at least 1).
    package init(inner: any SourceSink, depth: Int = 4, name: String) {
        self.inner = inner
        self.depth = max(1, depth)
        let thread = Thread { [self] in self.run() }
        thread.name = "charm-apply \(name)"
        thread.start()
    }

    package func deliver(_ records: [DecodedRecord], from source: String) {
        put(.records(records, source: source))
    }

    package func stateChanged(_ state: SourceState, of source: String, error: String?) {
        put(.state(state, source: source, error: error))
    }

    /// Delivers everything queued, then ends the delivering thread; later calls deliver
    /// directly. Returns once the last item reached `inner`.
    package func close() {
        // Relaxed is enough for the flag itself: `put` and `close` run on the one reader
        // thread that owns this sink, so they are ordered by that thread's program order.
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        enqueue(.end)
        finished.wait()
    }

    /// Returns once everything given so far has reached `inner`.
    ///
    /// A followed file calls it before waiting for its next poll, so a source that is idle
    /// at the end of its file has applied all it read (a reader watching the sink, or a
    /// test's poll gate, never sees a line read but not yet applied).
    package func drain() {
        if closed.load(ordering: .relaxed) { return }
        let reached = DispatchSemaphore(value: 0)
        enqueue(.barrier(reached))
        reached.wait()
    }

    private func put(_ item: Item) {
        if closed.load(ordering: .relaxed) {
            deliverNow(item)
            return
        }
        enqueue(item)
    }

    private func enqueue(_ item: Item) {
        while true {
            let outcome = queue.withLock { q -> (queued: Bool, wake: Bool) in
                // `.end` is always taken, so `close` never waits for room.
                if q.items.count >= depth && !item.isEnd {
                    q.producersWaiting += 1
                    return (false, false)
                }
                q.items.append(item)
                defer { q.consumerWaiting = false }
                return (true, q.consumerWaiting)
            }
            if outcome.queued {
                if outcome.wake { arrived.signal() }
                return
            }
            room.wait()
        }
    }

    private func run() {
        while true {
            let (item, freed) = queue.withLock { q -> (Item?, Int) in
                guard let first = q.items.popFirst() else {
                    q.consumerWaiting = true
                    return (nil, 0)
                }
                defer { q.producersWaiting = 0 }
                return (first, q.producersWaiting)
            }
            for _ in 0..<freed { room.signal() }
            guard let item else {
                arrived.wait()
                continue
            }
            switch item {
            case .end:
                finished.signal()
                return
            case .barrier(let reached):
                reached.signal()
            default:
                deliverNow(item)
            }
        }
    }

    private func deliverNow(_ item: Item) {
        switch item {
        case .records(let records, let source): inner.deliver(records, from: source)
        case .state(let state, let source, let error): inner.stateChanged(state, of: source, error: error)
        case .barrier(let reached): reached.signal()
        case .end: break
        }
    }
}
