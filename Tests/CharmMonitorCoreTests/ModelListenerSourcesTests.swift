import CharmMonitorCore
import CharmTelemetry
import CharmWire
import Testing

@Suite("Model: listener connections folded into their listener (10.7)")
struct ModelListenerSourcesTests {
    @Test("10,000 short connections leave one listener entry with their totals")
    func foldedAndPruned() {
        var model = MonitorModel()
        let t = Timestamp(microseconds: 1_700_000_000_000_000)
        model.setSourceState("unix:/tmp/m.sock", .open, at: t)
        let beat = DecodedRecord.event(WireEvent(type: "thinking", object: ["type": "thinking", "content": "..."], framing: .sse))
        for i in 1...10_000 {
            let c = SourceID("unix:/tmp/m.sock#\(i)")
            model.setSourceState(c, .open, at: t)
            model.apply(.raw("line \(i)"), source: c, at: t)
            if i % 1_000 == 0 { model.apply(beat, source: c, at: t) }
            model.setSourceState(c, i % 100 == 0 ? .failed : .ended, error: i % 100 == 0 ? "refused" : nil, at: t)
        }
        // One live connection stays listed.
        model.setSourceState("unix:/tmp/m.sock#10001", .open, at: t)
        #expect(model.orderedSources.map(\.id.name) == ["unix:/tmp/m.sock", "unix:/tmp/m.sock#10001"])
        #expect(model.sources.count == 2)
        #expect(model.sourceOrder.count < 200)  // compacted, not one id per connection
        let l = model.sources["unix:/tmp/m.sock"]!
        #expect(l.connections == 10_001)
        #expect(l.endedConnections == 10_000)
        #expect(l.failedConnections == 100)
        #expect(l.records == 10_010)
        #expect(l.heartbeats == 10)
        #expect(l.lastError == "refused")
        #expect(l.state == .open)
    }

    @Test("names that only look like connections are left alone")
    func lookalikes() {
        var model = MonitorModel()
        let t = Timestamp(microseconds: 1_700_000_000_000_000)
        // No listener named file:/x, and tcp:h:1#a is not numbered.
        for name in ["file:/x#2", "tcp:h:1#a", "unix:/nowhere#3"] {
            model.setSourceState(SourceID(name), .open, at: t)
            model.setSourceState(SourceID(name), .ended, at: t)
        }
        #expect(model.orderedSources.map(\.id.name) == ["file:/x#2", "tcp:h:1#a", "unix:/nowhere#3"])
    }
}
