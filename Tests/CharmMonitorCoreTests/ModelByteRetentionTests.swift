import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// Retention bounds bytes, not only counts: a thousand 1 MB prints, errors, ids and names
/// must not hold a gigabyte.
@Suite("Model: byte bounds")
struct ModelByteRetentionTests {
    static let megabyte = String(repeating: "x", count: 1 << 20)

    @Test("1,000 raw prints of 1 MB keep at most maxLogLines × maxEntryBytes, each cut marked")
    func logLinesAreCut() {
        let limits = RetentionLimits(maxLogLines: 100, maxErrors: 100, maxEntryBytes: 4_096)
        var m = MonitorModel(limits: limits)
        let at = Timestamp(microseconds: 1_700_000_000_000_000)
        var s = Script()
        for i in 0..<1_000 {
            m.apply(.raw("\(i) " + Self.megabyte), source: "s", at: at)
            m.apply([s.event(.error(TelemetryError(type: "E", message: "bad \(i) " + Self.megabyte)), run: "r")])
        }
        let logBytes = m.log.reduce(0) { $0 + $1.text.utf8.count }
        #expect(m.log.count == 100 && logBytes <= 100 * (4_096 + 3))
        let raw = m.log.filter { $0.kind == .raw }
        #expect(!raw.isEmpty && raw.allSatisfy { $0.text.hasSuffix("…") && $0.text.utf8.count == 4_096 + 3 })
        let errorBytes = m.errors.reduce(0) { $0 + $1.message.utf8.count + ($1.preview?.utf8.count ?? 0) }
        #expect(m.errors.count == 100 && errorBytes <= 100 * (4_096 + 3))
        #expect(m.errors.allSatisfy { $0.message.hasSuffix("…") })
    }

    @Test("huge run ids, call ids and tool names are bounded, stay distinct, and map the same each time")
    func namesAreBounded() throws {
        var s = Script()
        var m = MonitorModel(limits: RetentionLimits(maxNameBytes: 128))
        let runA = "run-" + Self.megabyte + "A"
        let runB = "run-" + Self.megabyte + "B"
        let tool = "tool-" + Self.megabyte
        let call = "call-" + Self.megabyte
        m.apply([
            s.event(.runStart(inputs: ["big": .string(Self.megabyte)]), run: runA),
            s.event(.runStart(inputs: [:]), run: runB, parent: runA),
            s.event(.toolStart(toolName: tool, input: "in"), run: runA, call: call),
            s.event(.toolEnd(toolName: tool, output: "out"), run: runA, call: call),
            s.event(.runEnd(outputs: ["big": .string(Self.megabyte)], status: .ok), run: runA),
        ])
        #expect(m.runs.count == 2, "the two long ids stayed apart")
        #expect(m.runs.keys.allSatisfy { $0.utf8.count <= 128 })
        let a = try #require(m.orderedRuns.first)
        #expect(m.children(of: a.id).count == 1, "the child found its long-named parent")
        let c = try #require(a.toolCalls.first)
        #expect(c.toolName.utf8.count <= 128 && c.callID.utf8.count <= 128)
        #expect(c.status == .ok && c.output == "out", "the end found its long-named call")
        #expect(a.inputs["_cut"] != nil && a.outputs?["_cut"] != nil)
        #expect((a.inputs["_cut"]?.stringValue?.utf8.count ?? .max) <= RetentionLimits.standard.maxEntryBytes + 3)
    }
}
