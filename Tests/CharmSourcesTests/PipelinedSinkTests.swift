import CharmSources
import CharmTelemetry
import CharmWire
import Dispatch
import Foundation
import Synchronization
import CharmTestSupport
import Testing

/// A sink that holds every delivery at a gate until the test opens it.
private final class GatedSink: SourceSink {
    let inner = CollectingSink()
    let gate = DispatchSemaphore(value: 0)
    let entered = Atomic<Int>(0)

    func deliver(_ records: [DecodedRecord], from source: String) {
        entered.add(1, ordering: .relaxed)
        gate.wait()
        inner.deliver(records, from: source)
    }

    func stateChanged(_ state: SourceState, of source: String, error: String?) {
        inner.stateChanged(state, of: source, error: error)
    }
}

@Suite("Sources: the pipelined sink between decoding and applying", .blocksThreads)
struct PipelinedSinkTests {
    @Test("batches and state changes reach the inner sink in the order given, all of them once close returns")
    func orderAndDrain() {
        let inner = CollectingSink()
        let pipe = PipelinedSink(inner: inner, depth: 2, name: "t")
        pipe.stateChanged(.open, of: "t", error: nil)
        for i in 0..<500 { pipe.deliver([.raw("line \(i)")], from: "t") }
        pipe.stateChanged(.ended, of: "t", error: nil)
        pipe.close()
        let e = inner.entry("t")
        #expect(e.records == (0..<500).map { .raw("line \($0)") })
        #expect(e.phases == [.open, .ended])
        // After close, deliveries go straight through (nothing is lost or left behind).
        pipe.deliver([.raw("late")], from: "t")
        #expect(inner.entry("t").records.last == .raw("late"))
    }

    @Test("a reader that gets ahead waits for room: at most depth batches wait, nothing is dropped")
    func bounded() async {
        let inner = GatedSink()
        let pipe = PipelinedSink(inner: inner, depth: 3, name: "t")
        let given = Atomic<Int>(0)
        let producer = Thread {
            for i in 0..<20 {
                pipe.deliver([.raw("\(i)")], from: "t")
                given.add(1, ordering: .relaxed)
            }
            pipe.close()
        }
        producer.start()
        // The consumer holds batch 0 at the gate; 3 more wait in the FIFO; the 5th blocks.
        #expect(await eventually { inner.entered.load(ordering: .relaxed) == 1 && given.load(ordering: .relaxed) == 4 })
        try? await Task.sleep(for: .milliseconds(100))
        #expect(given.load(ordering: .relaxed) == 4)
        for _ in 0..<20 { inner.gate.signal() }
        #expect(await eventually { inner.inner.entry("t").records.count == 20 })
        #expect(inner.inner.entry("t").records == (0..<20).map { .raw("\($0)") })
    }
}
