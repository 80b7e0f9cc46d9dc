import CharmTelemetry
import CharmWire
import Foundation
import Synchronization
import Testing

@testable import CharmMonitorCore

/// Counts the hooks it receives, in order.
final class RecordingExporter: TelemetryHookExporter {
    let hooks = Mutex<[String]>([])
    func note(_ h: String) { hooks.withLock { $0.append(h) } }
    func onRunStart(runID: String, inputs: JSONObject) { note("run_start:\(runID)") }
    func onRunEnd(runID: String, outputs: JSONObject) { note("run_end:\(runID)") }
    func onError(runID: String, error: TelemetryError) { note("error") }
    func onToolStart(toolName: String, inputStr: String) { note("tool_start") }
    func onToolEnd(toolName: String, output: String) { note("tool_end") }
    func onToolError(toolName: String, error: TelemetryError) { note("tool_error") }
    func onLLMNewToken(token: String) { note("token:\(token)") }
    func onAgentAction(tool: String, toolInput: String) { note("action") }
}

/// Always throws, to show up as exporter failures.
final class FailingExporter: TelemetryHookExporter {
    struct Boom: Error {}
    func onRunStart(runID: String, inputs: JSONObject) throws { throw Boom() }
    func onRunEnd(runID: String, outputs: JSONObject) throws { throw Boom() }
    func onError(runID: String, error: TelemetryError) throws { throw Boom() }
    func onToolStart(toolName: String, inputStr: String) throws { throw Boom() }
    func onToolEnd(toolName: String, output: String) throws { throw Boom() }
    func onToolError(toolName: String, error: TelemetryError) throws { throw Boom() }
    func onLLMNewToken(token: String) throws { throw Boom() }
    func onAgentAction(tool: String, toolInput: String) throws { throw Boom() }
}

@Suite("Model: engine, dispatch and exporters")
struct ModelEngineTests {
    func registry(_ recorder: RecordingExporter) -> ExporterRegistry {
        let r = ExporterRegistry()
        r.register(ExporterDescriptor(name: "rec", summary: "records") { _ in recorder })
        r.register(ExporterDescriptor(name: "bad", summary: "fails") { _ in FailingExporter() })
        return r
    }

    @Test("every hook event from a source reaches enabled exporters, in model order")
    func dispatch() {
        let rec = RecordingExporter()
        let engine = MonitorEngine(exporters: ["rec"], registry: registry(rec))
        let text = """
            __CHARM_EVENT__{"type": "delta", "content": "a"}
            garbage
            __CHARM_EVENT__{"type": "delta", "content": "b"}
            __CHARM_EVENT__{"type": "final", "content": "ab"}

            """
        engine.ingest(StreamDecoder.decodeAll(text, sourceName: "s"), from: "s")
        #expect(engine.flush(timeout: .seconds(5)).complete)
        #expect(rec.hooks.withLock { $0 } == ["run_start:legacy:s", "token:a", "token:b", "run_end:legacy:s"])
        #expect(engine.snapshot().run("legacy:s")?.text == "ab")
        #expect(engine.exporterStatistics().map(\.name) == ["rec"])
    }

    @Test("unknown exporters and failing exporters become error entries; toggling works")
    func exporterProblems() {
        let rec = RecordingExporter()
        let engine = MonitorEngine(exporters: ["nope", "bad"], registry: registry(rec))
        engine.ingest(StreamDecoder.decodeAll("{\"type\": \"delta\", \"content\": \"x\"}\n"), from: "s")
        _ = engine.flush(timeout: .seconds(5))
        engine.syncExporterProblems()
        let errors = engine.snapshot().errors.filter { $0.kind == .exporter }.map(\.message)
        #expect(errors.contains { $0.contains("nope") })
        #expect(errors.contains { $0.contains("'bad'") })
        #expect(engine.setExporter("missing", enabled: true) != nil)
        #expect(engine.setExporter("rec", enabled: true) == nil)
        #expect(engine.manager.isEnabled("rec"))
        #expect(engine.setExporter("rec", enabled: false) == nil)
        #expect(!engine.manager.isEnabled("rec"))
    }
}
