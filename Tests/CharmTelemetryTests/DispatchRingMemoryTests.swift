import Dispatch
import Synchronization
import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// An exporter that does nothing with what it is handed, optionally held at a gate on its first
/// event until the test opens it.
private final class Sink: TelemetryExporter, Sendable {
    let gate = DispatchSemaphore(value: 0)
    let entered = DispatchSemaphore(value: 0)
    private let gated: Bool
    private let held = Atomic<Bool>(false)

    init(gated: Bool = false) { self.gated = gated }

    func handle(_ event: TelemetryEvent) {
        if gated, !held.exchange(true, ordering: .relaxed) {
            entered.signal()
            gate.wait()
        }
    }
}

private func manager(capacity: Int = 16_384) -> TelemetryManager {
    TelemetryManager(
        registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil,
        configuration: .init(queueCapacity: capacity))
}

/// A tool result the size agents produce, distinct per event so nothing is shared.
private func bigOutput(_ i: Int) -> TelemetryEvent.Payload {
    .toolEnd(toolName: "read_file", output: String(repeating: "x", count: 8_192) + "\(i)")
}

@Suite("The dispatch ring keeps no event every exporter has taken", .blocksThreads)
struct DispatchRingMemoryTests {
    @Test("events every exporter has handled are let go")
    func handledEventsAreReleased() {
        let m = manager()
        m.add(Sink(), named: "a")
        m.add(Sink(), named: "b")
        for i in 0..<1_000 { m.dispatch(bigOutput(i), runID: "r") }
        #expect(m.flush(timeout: .seconds(60)).complete)
        #expect(m.ringOccupancy == 0)
    }

    @Test("with no exporter, or none enabled, dispatch writes nothing into the ring")
    func nothingRetainedWithoutReaders() throws {
        let none = manager()
        for i in 0..<100 { none.dispatch(bigOutput(i), runID: "r") }
        #expect(none.ringOccupancy == 0)

        let m = manager()
        m.add(Sink(), named: "a")
        m.disable("a")
        for i in 0..<100 { m.dispatch(bigOutput(i), runID: "r") }
        #expect(m.flush(timeout: .seconds(60)).complete)
        #expect(m.ringOccupancy == 0)
        // Enabled again, it gets exactly what follows.
        try m.setEnabled("a", true)
        m.dispatch(bigOutput(100), runID: "r")
        #expect(m.flush(timeout: .seconds(60)).complete)
        #expect(m.statistics()[0].delivered == 1)
        #expect(m.ringOccupancy == 0)
    }

    @Test("a held exporter keeps only what it has yet to take, and lets go of what it was lapped past")
    func lappedEventsAreReleased() {
        let m = manager()
        let slow = Sink(gated: true)
        m.add(Sink(), named: "fast")
        m.add(slow, named: "slow", queueCapacity: 64)
        m.dispatch(bigOutput(0), runID: "r")
        #expect(slow.entered.wait(timeout: .now() + 30) == .success)
        for i in 1..<1_000 { m.dispatch(bigOutput(i), runID: "r") }
        // Positions the slow one may still read are kept for it; it is lapped past the rest.
        slow.gate.signal()
        #expect(m.flush(timeout: .seconds(60)).complete)
        let s = m.statistics()
        #expect(s[1].delivered + s[1].dropped == 1_000)
        #expect(s[1].dropped > 0)
        #expect(m.ringOccupancy == 0)
    }

    @Test("a shut-down manager keeps nothing")
    func shutDownRetainsNothing() {
        let m = manager()
        m.add(Sink(), named: "a")
        #expect(m.shutdown(timeout: .seconds(60)).complete)
        for i in 0..<100 { m.dispatch(bigOutput(i), runID: "r") }
        #expect(m.ringOccupancy == 0)
    }
}

@Suite("The ring's size, and sizes and durations that are too large", .blocksThreads)
struct DispatchRingSizeTests {
    @Test("the ring leaves two batches beyond the default window")
    func ringLeavesMargin() {
        let m = manager()
        #expect(m.ringSlots >= 16_384 + 2 * Int(ExporterWorker.batchSize))
        #expect(manager(capacity: 100_000).ringSlots >= 100_000 + 2 * Int(ExporterWorker.batchSize))
    }

    @Test("a huge queue capacity is capped, not a crash", arguments: [Int.max, 1 << 40, Int.min, 0])
    func hugeCapacity(capacity: Int) {
        let m = manager(capacity: capacity)
        #expect(m.ringSlots <= DispatchRing.maximumCapacity)
        m.add(Sink(), named: "big", queueCapacity: capacity)
        for i in 0..<10 { m.dispatch(bigOutput(i), runID: "r") }
        #expect(m.flush(timeout: .seconds(60)).complete)
        #expect(m.statistics().allSatisfy { $0.delivered + $0.dropped == 10 })
        if capacity > 10 { #expect(m.statistics().allSatisfy { $0.delivered == 10 }) }
    }

    @Test("durations too large to count in nanoseconds wait as long as needed, without a crash")
    func hugeDurations() {
        let m = manager()
        let slow = Sink(gated: true)
        m.add(slow, named: "slow", queueCapacity: 2)
        m.dispatch(bigOutput(0), runID: "r")
        #expect(slow.entered.wait(timeout: .now() + 30) == .success)
        m.dispatch(bigOutput(1), runID: "r")
        m.dispatch(bigOutput(2), runID: "r")
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { slow.gate.signal() }
        // The queue is full: this waits for the exporter to take events.
        m.dispatch(
            TelemetryEvent(seq: TelemetryManager.nextSequence(), timestamp: .now(), runID: "r", payload: bigOutput(3)),
            waitingUpTo: .seconds(Int64.max))
        #expect(m.flush(timeout: .seconds(Int64.max)).complete)
        #expect(m.shutdown(timeout: .seconds(Int64.max)).complete)
    }
}
