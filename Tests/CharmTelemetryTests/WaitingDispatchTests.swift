import CharmTelemetry
import Dispatch
import Foundation
import Synchronization
import CharmTestSupport
import Testing

/// An exporter whose hooks block until the test opens its gate, and count what they get.
private final class GatedExporter: TelemetryHookExporter, Sendable {
    let gate = DispatchSemaphore(value: 0)
    /// Signalled when a hook starts waiting at the closed gate.
    let entered = DispatchSemaphore(value: 0)
    let open = Atomic<Bool>(false)
    let seqs = Mutex<[UInt64]>([])

    func openGate() {
        open.store(true, ordering: .sequentiallyConsistent)
        gate.signal()
    }


    func onRunStart(runID: String, inputs: JSONObject) throws {}
    func onRunEnd(runID: String, outputs: JSONObject) throws {}
    func onError(runID: String, error: TelemetryError) throws {}
    func onToolStart(toolName: String, inputStr: String) throws {}
    func onToolEnd(toolName: String, output: String) throws {}
    func onToolError(toolName: String, error: TelemetryError) throws {}
    func onLLMNewToken(token: String) throws {
        if !open.load(ordering: .sequentiallyConsistent) {
            entered.signal()
            gate.wait()
            gate.signal()  // stays open for everyone after
        }
        let seq = TelemetryContext.event?.seq ?? 0
        seqs.withLock { $0.append(seq) }
    }
    func onAgentAction(tool: String, toolInput: String) throws {}
    func flush(deadline: ContinuousClock.Instant) -> Bool { true }
    func shutdown() {}
}

private func token(_ i: Int) -> TelemetryEvent {
    TelemetryEvent(seq: UInt64(i), timestamp: .now(), runID: "r", payload: .llmNewToken(token: "t"))
}

/// Waits for `condition` with a generous deadline (no fixed sleeps).
private func eventually(_ seconds: Double = 30, _ condition: () -> Bool) -> Bool {
    let end = ContinuousClock.now.advanced(by: .seconds(seconds))
    while ContinuousClock.now < end {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return condition()
}

@Suite("Waiting dispatch: finite sources lose nothing, hung exporters cannot stop them", .blocksThreads)
struct WaitingDispatchTests {
    private func manager(_ exporter: GatedExporter, capacity: Int) -> TelemetryManager {
        let m = TelemetryManager(registry: ExporterRegistry(), emitter: nil)
        m.add(exporter, named: "gated", queueCapacity: capacity)
        return m
    }

    @Test("a full queue makes a waiting producer wait, then every event arrives in order")
    func waitsThenDelivers() throws {
        let exporter = GatedExporter()
        let m = manager(exporter, capacity: 16)
        let n = 2_000
        let done = Atomic<Bool>(false)
        Thread.detachNewThread {
            for i in 1...n { m.dispatch(token(i), waitingUpTo: .seconds(60)) }
            done.store(true, ordering: .sequentiallyConsistent)
        }
        // The queue fills and the producer is held, not dropping.
        #expect(eventually { m.statistics().first?.queued ?? 0 >= 16 })
        let finishedEarly = done.load(ordering: .sequentiallyConsistent)
        #expect(!finishedEarly)
        #expect(m.statistics().first?.dropped == 0)
        exporter.openGate()
        #expect(eventually { done.load(ordering: .sequentiallyConsistent) })
        #expect(m.flush(timeout: .seconds(30)).complete)
        #expect(exporter.seqs.withLock { $0 } == (1...n).map(UInt64.init))
        #expect(m.statistics().first?.dropped == 0)
    }

    @Test("a plain dispatch to the same full exporter laps it: the oldest unread are dropped (the live-source rule)")
    func plainDispatchDrops() {
        let exporter = GatedExporter()
        let m = manager(exporter, capacity: 16)
        // The worker holds event 1 at the closed gate, so its batch holds nothing else: of the
        // next 99 only the newest 16 stay within its reach, and the other 83 are lapped.
        m.dispatch(token(1))
        #expect(exporter.entered.wait(timeout: .now() + 30) == .success)
        for i in 2...100 { m.dispatch(token(i)) }
        #expect(m.statistics().first?.dropped == 100 - 1 - 16)
        exporter.openGate()
        #expect(m.flush(timeout: .seconds(30)).complete)
        #expect(exporter.seqs.withLock { $0 } == [1] + (85...100).map(UInt64.init), "in order, then the newest suffix")
    }

    @Test("a hung exporter: the producer gives up after the limit, then drops at once, all counted")
    func hungExporterEscape() {
        let exporter = GatedExporter()
        let m = manager(exporter, capacity: 8)
        let started = ContinuousClock.now
        for i in 1...1_000 { m.dispatch(token(i), waitingUpTo: .milliseconds(300)) }
        let took = started.duration(to: .now)
        // One wait of the limit, not one per event.
        #expect(took < .seconds(20), "took \(took)")
        let stats = m.statistics().first
        #expect((stats?.dropped ?? 0) + UInt64(stats?.queued ?? 0) == 1_000)
        // At most one queue's worth held by the stuck worker and one waiting in the queue.
        #expect((stats?.dropped ?? 0) >= 1_000 - 2 * 8)
        exporter.openGate()
    }

    @Test("never waits for a disabled exporter")
    func disabledNeverWaits() {
        let exporter = GatedExporter()
        let m = manager(exporter, capacity: 4)
        for i in 1...10 { m.dispatch(token(i)) }
        m.disable("gated")
        let started = ContinuousClock.now
        m.waitForRoom(4, upTo: .seconds(60))
        for i in 11...20 { m.dispatch(token(i), waitingUpTo: .seconds(60)) }
        #expect(started.duration(to: .now) < .seconds(10))
        exporter.openGate()
    }
}
