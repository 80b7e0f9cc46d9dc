import Dispatch
import Foundation
import Synchronization
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// An event-first exporter that records the tokens it handles (and flushes, as "flush"),
/// optionally held at a gate on its first event until the test opens it.
private final class TokenLog: TelemetryExporter, Sendable {
    let gate = DispatchSemaphore(value: 0)
    let entered = DispatchSemaphore(value: 0)
    private let gated: Bool
    private let held = Atomic<Bool>(false)
    private let log = Mutex<[String]>([])
    private let seqs = Mutex<[UInt64]>([])

    init(gated: Bool = false) { self.gated = gated }

    var entries: [String] { log.withLock { $0 } }
    var sequence: [UInt64] { seqs.withLock { $0 } }

    func open() {
        gate.signal()
    }

    func handle(_ event: TelemetryEvent) {
        if gated, !held.exchange(true, ordering: .relaxed) {
            entered.signal()
            gate.wait()
        }
        if case .llmNewToken(let t) = event.payload { log.withLock { $0.append(t) } }
        seqs.withLock { $0.append(event.seq) }
    }

    func flush(deadline: ContinuousClock.Instant) -> Bool {
        log.withLock { $0.append("flush") }
        return true
    }
}

private func manager(capacity: Int = 16_384) -> TelemetryManager {
    TelemetryManager(
        registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil,
        configuration: .init(queueCapacity: capacity))
}

@Suite("The dispatch ring: one write per event, a cursor per exporter", .blocksThreads)
struct DispatchRingTests {
    @Test("several producer threads: every exporter sees every event, in sequence order", arguments: 0..<4)
    func orderUnderConcurrentProducers(round: Int) {
        let m = manager()
        let logs = (0..<3).map { _ in TokenLog() }
        for (i, l) in logs.enumerated() { m.add(l, named: "log\(i)") }
        // OS threads, more than cores, so producers are preempted between any two steps; fewer
        // events than the ring holds, so no exporter can be lapped however it is scheduled.
        let threads = 8, perThread = 1_500
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                for i in 0..<perThread { m.dispatch(.llmNewToken(token: "\(t):\(i)"), runID: "r\(t)") }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(m.flush(timeout: .seconds(60)).complete)
        for l in logs {
            let seqs = l.sequence
            #expect(seqs.count == threads * perThread)
            #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "ring order is sequence order")
            // Each producer's own events arrive in the order it dispatched them.
            var next = [Int](repeating: 0, count: threads)
            var inOrder = true
            for entry in l.entries where entry != "flush" {
                let parts = entry.split(separator: ":").compactMap { Int($0) }
                if parts[1] != next[parts[0]] { inOrder = false }
                next[parts[0]] = parts[1] + 1
            }
            #expect(inOrder)
        }
        #expect(m.statistics().allSatisfy { $0.delivered == UInt64(threads * perThread) && $0.dropped == 0 })
    }

    @Test("an exporter lapped by the whole ring counts exactly what it lost and gets the newest")
    func lappingIsExact() {
        let m = manager()
        let ringSize = 16_384, extra = 100
        let log = TokenLog(gated: true)
        m.add(log, named: "log")
        m.dispatch(.llmNewToken(token: "0"), runID: "r")
        #expect(log.entered.wait(timeout: .now() + 30) == .success)
        let dispatched = 1 + ringSize + extra
        for i in 1..<dispatched { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        // Counted at statistics() time, although the worker has not read since.
        let held = m.statistics()[0]
        #expect(held.dropped == UInt64(dispatched - 1 - ringSize))
        #expect(held.queued == ringSize + 1)
        log.open()
        #expect(m.flush(timeout: .seconds(60)).complete)
        let s = m.statistics()[0]
        #expect(s.delivered + s.dropped == UInt64(dispatched))
        #expect(s.dropped == UInt64(dispatched - 1 - ringSize))
        let expected = ["0"] + ((dispatched - ringSize)..<dispatched).map(String.init) + ["flush"]
        #expect(log.entries == expected, "in order: the held event, then the newest suffix")
    }

    @Test("toggling is exact to the event, even while the worker is far behind")
    func togglingIsExact() throws {
        let m = manager()
        let log = TokenLog(gated: true)
        let window = 64
        m.add(log, named: "log", queueCapacity: window)
        // Always enabled, so every dispatch takes a ring position, disabled stretches too (with
        // no enabled exporter at all, dispatch writes nothing).
        m.add(TokenLog(), named: "other")
        m.dispatch(.llmNewToken(token: "0"), runID: "r")
        #expect(log.entered.wait(timeout: .now() + 30) == .success)
        var random = SystemRandomNumberGenerator()
        var on = true
        var enabledTokens: [String] = []
        let total = 400
        for i in 1..<total {
            if Int.random(in: 0..<5, using: &random) == 0 {
                on.toggle()
                try m.setEnabled("log", on)
            }
            if on { enabledTokens.append("\(i)") }
            m.dispatch(.llmNewToken(token: "\(i)"), runID: "r")
        }
        // Of the enabled events, those older than the window are lapped: only the enabled ones
        // among the newest `window` positions can still arrive.
        let reachable = enabledTokens.filter { Int($0)! >= total - window }
        let lost = UInt64(enabledTokens.count - reachable.count)
        #expect(m.statistics()[0].dropped == lost)
        try m.setEnabled("log", true)
        log.open()
        #expect(m.flush(timeout: .seconds(30)).complete)
        #expect(log.entries == ["0"] + reachable + ["flush"])
        let s = m.statistics()[0]
        #expect(s.dropped == lost)
        #expect(s.delivered == UInt64(1 + reachable.count))
    }

    @Test("a hung exporter never makes the caller wait, and its losses are exact at any moment")
    func hungExporterNeverBlocks() {
        let m = manager()
        let hung = TokenLog(gated: true)
        let healthy = TokenLog()
        m.add(hung, named: "hung", queueCapacity: 8)
        m.add(healthy, named: "healthy")
        m.dispatch(.llmNewToken(token: "0"), runID: "r")
        #expect(hung.entered.wait(timeout: .now() + 30) == .success)
        // Fewer than the healthy exporter's window, so it cannot be lapped however it is scheduled.
        let n = 10_000
        let started = ContinuousClock.now
        for i in 1...n { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        #expect(started.duration(to: .now) < .seconds(30), "returned, not hung")
        let stats = Dictionary(uniqueKeysWithValues: m.statistics().map { ($0.name, $0) })
        #expect(stats["hung"]?.dropped == UInt64(n - 8))
        #expect(stats["hung"]?.queued == 8 + 1)
        #expect(m.flush(timeout: .milliseconds(300)).unfinished == ["hung"])
        #expect(healthy.entries.count == n + 1 + 1, "every event, then the flush")
        hung.open()
    }

    @Test("a waiting dispatch gives up on a hung exporter once, and the healthy one loses nothing")
    func waitingDispatchWithHungExporter() {
        let m = manager()
        let hung = TokenLog(gated: true)
        let healthy = TokenLog()
        m.add(hung, named: "hung", queueCapacity: 8)
        m.add(healthy, named: "healthy", queueCapacity: 8)
        let n = 2_000
        let started = ContinuousClock.now
        for i in 0..<n { m.dispatch(TelemetryEvent(seq: UInt64(i), timestamp: .now(), runID: "r", payload: .llmNewToken(token: "\(i)")), waitingUpTo: .milliseconds(200)) }
        #expect(started.duration(to: .now) < .seconds(20), "one wait of the limit, not one per event")
        #expect(m.flush(timeout: .seconds(1)).unfinished == ["hung"])
        #expect(healthy.entries == (0..<n).map(String.init) + ["flush"])
        let stats = Dictionary(uniqueKeysWithValues: m.statistics().map { ($0.name, $0) })
        #expect(stats["healthy"]?.dropped == 0)
        #expect((stats["hung"]?.dropped ?? 0) + UInt64(stats["hung"]?.queued ?? 0) == UInt64(n))
        hung.open()
    }

    @Test("a flush is handled after everything dispatched before it, and a shutdown ends delivery")
    func flushAndShutdownOrdering() {
        let m = manager()
        let log = TokenLog(gated: true)
        m.add(log, named: "log")
        for i in 0..<100 { m.dispatch(.llmNewToken(token: "\(i)"), runID: "r") }
        #expect(log.entered.wait(timeout: .now() + 30) == .success)
        let flushed = Atomic<Bool>(false)
        Thread.detachNewThread {
            _ = m.flush(timeout: .seconds(60))
            flushed.store(true, ordering: .sequentiallyConsistent)
        }
        // Dispatched after the flush was asked for, while the worker is still held.
        Thread.sleep(forTimeInterval: 0.1)
        m.dispatch(.llmNewToken(token: "late"), runID: "r")
        log.open()
        #expect(m.shutdown(timeout: .seconds(30)).complete)
        m.dispatch(.llmNewToken(token: "after-shutdown"), runID: "r")
        let entries = log.entries
        let flushAt = entries.firstIndex(of: "flush")
        #expect(Array(entries.prefix(100)) == (0..<100).map(String.init))
        #expect(flushAt.map { $0 >= 100 } == true, "\(entries.suffix(4))")
        #expect(entries.last == "flush", "the shutdown's flush comes last")
        #expect(entries.contains("late") && !entries.contains("after-shutdown"))
        #expect(m.statistics()[0].queued == 0)
        let end = ContinuousClock.now.advanced(by: .seconds(30))
        while !flushed.load(ordering: .sequentiallyConsistent) && ContinuousClock.now < end { Thread.sleep(forTimeInterval: 0.01) }
        let flushReturned = flushed.load(ordering: .sequentiallyConsistent)
        #expect(flushReturned)
    }
}
