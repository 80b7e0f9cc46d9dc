import CharmTelemetry
import CharmWire
import Foundation
import Testing

@testable import CharmMonitorCore

/// `x`: a run rebuilt as events from the model, written as NDJSON, read back by the real
/// decoder into a model that holds the same runs.
@Suite("Run export")
struct RunExportTests {
    /// A session with everything a run can hold: a name and inputs, a sub-run with a
    /// failing tool, a call still running, a model call, an agent action, tokens in
    /// several scripts, an error hook, a redacted secret, an artifact, outputs and statuses.
    static func session() -> MonitorModel {
        var s = Script()
        var events: [TelemetryEvent] = []
        var start = s.event(.runStart(inputs: ["question": "天気は?", "api_key": "[API_KEY_REDACTED]"]), run: "session")
        start.runName = "weather-bot"
        events.append(start)
        events.append(s.event(.agentAction(tool: "web_search", toolInput: "tokyo"), run: "session"))
        events.append(s.event(.toolStart(toolName: "web_search", input: #"{"q": "東京 ☀️"}"#), run: "session", call: "c1"))
        events.append(s.event(.toolEnd(toolName: "web_search", output: "sunny, 21°C"), run: "session", call: "c1", advance: 250_000))
        events.append(s.event(.runStart(inputs: [:]), run: "session.calc", parent: "session"))
        events.append(s.event(.toolStart(toolName: "calculator", input: "1 / 0"), run: "session.calc", call: "c2"))
        events.append(
            s.event(.toolError(toolName: "calculator", error: TelemetryError(type: "ZeroDivisionError", message: "division by zero")),
                    run: "session.calc", call: "c2"))
        events.append(s.event(.error(TelemetryError(type: "ValueError", message: "gave up")), run: "session.calc"))
        events.append(s.event(.runEnd(outputs: [:], status: .error), run: "session.calc"))
        let llmStart = s.clock
        events.append(
            s.event(
                .llmCall(LLMCall(model: "gpt-4o", provider: "openai", operation: "chat", inputTokens: 120, outputTokens: 30,
                                 finishReasons: ["stop"], start: llmStart, inputMessages: #"[{"role": "user"}]"#,
                                 outputMessages: #"[{"role": "assistant"}]"#)),
                run: "session", call: "llm-a", advance: 800_000))
        for token in ["It", " is", " sunny", " in", " 東京", " ☀️", "."] {
            events.append(s.event(.llmNewToken(token: token), run: "session", advance: 20_000))
        }
        events.append(s.event(.toolStart(toolName: "slow_tool", input: "wait"), run: "session", call: "c3"))
        events.append(s.event(.runEnd(outputs: ["answer": "sunny"], status: .ok), run: "session"))
        events.append(s.event(.runStart(inputs: [:]), run: "elsewhere"))
        var model = MonitorModel()
        model.apply(events)
        let artifact = WireEvent(
            type: "artifact",
            object: ["type": "artifact", "content": .object(["name": "report.md", "url": "file:///tmp/report.md", "mime": "text/markdown", "run_id": "session"])],
            framing: .ndjson, hookEvents: [])
        model.apply(.event(artifact), source: "test", at: s.clock)
        return model
    }

    /// What must survive the round trip: the run as `y` copies it, less where it came from.
    static func comparable(_ run: MonitorRun, prices: PriceTable) -> JSONValue {
        guard case .object(var o) = CopyJSON.run(run, prices: prices) else { return .null }
        o["source"] = nil
        o["actions"] = .array(run.actions.map { .string("\($0.at.rfc3339) \($0.tool) \($0.toolInput)") })
        return .object(o)
    }

    static func replay(_ bytes: [UInt8]) -> MonitorModel {
        var model = MonitorModel()
        for record in StreamDecoder.decodeAll(String(decoding: bytes, as: UTF8.self), sourceName: "file:export") {
            model.apply(record, source: "file:export", at: Timestamp(microseconds: 1_800_000_000_000_000))
        }
        return model
    }

    @Test("the run and its sub-runs come back the same through the decoder")
    func roundTrip() throws {
        let model = Self.session()
        let export = try #require(RunExport(model: model, runID: "session"))
        #expect(export.runs.map(\.id) == ["session", "session.calc"])
        let replayed = Self.replay(export.ndjson())
        #expect(replayed.orderedRuns.map(\.id) == ["session", "session.calc"], "the other run is not exported")
        for id in ["session", "session.calc"] {
            let original = try #require(model.run(id))
            let back = try #require(replayed.run(id))
            #expect(Self.comparable(back, prices: replayed.prices) == Self.comparable(original, prices: model.prices), "\(id)")
        }
        // What the run holds, spelled out (the comparison above would pass on two empty runs).
        let session = try #require(replayed.run("session"))
        #expect(session.name == "weather-bot" && session.text == "It is sunny in 東京 ☀️." && session.tokenCount == 7)
        #expect(session.toolCalls.map(\.status) == [.ok, .running])
        #expect(session.llmCalls.first?.call.inputTokens == 120 && session.actions.count == 1 && session.artifacts.count == 1)
        #expect(session.inputs["api_key"] == "[API_KEY_REDACTED]")
        let calc = try #require(replayed.run("session.calc"))
        #expect(calc.parentID == "session" && calc.status == .error && calc.errorCount == 1)
        #expect(calc.toolCalls.first?.error?.type == "ZeroDivisionError")
        // The headless summaries agree too, run by run, but for the source.
        func summary(_ m: MonitorModel) -> [JSONValue] {
            guard case .object(let s) = m.headlessSummary(), case .array(let runs) = s["runs"] ?? .null else { return [] }
            return runs.compactMap { r in
                guard case .object(var o) = r, o["run_id"]?.stringValue?.hasPrefix("session") == true else { return nil }
                o["source"] = nil
                return .object(o)
            }
        }
        #expect(summary(replayed) == summary(model))
    }

    @Test("events come in time order, numbered from 0, the start first and the end last")
    func order() throws {
        let export = try #require(RunExport(model: Self.session(), runID: "session"))
        let events = export.events()
        #expect(events.map(\.seq) == (0..<UInt64(events.count)).map { $0 })
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        #expect(events.first?.hook == .runStart && events.first?.runID == "session")
        #expect(events.last?.hook == .runEnd && events.last?.runID == "session")
        // Every line is one JSON object, without the stdout prefix.
        let lines = String(decoding: export.ndjson(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == events.count + 1, "the events and the artifact")
        #expect(lines.allSatisfy { $0.hasPrefix("{") })
    }

    @Test("tokens: the kept text in as many pieces as there were tokens, spread over their times")
    func tokens() throws {
        let run = try #require(Self.session().run("session"))
        let tokens = RunExport.tokens(of: run)
        #expect(tokens.count == 7 && tokens.map(\.1).joined() == run.text)
        #expect(tokens.first?.0 == run.firstTokenAt && tokens.last?.0 == run.lastTokenAt)
    }

    @Test("the file is new every time: an existing one is never overwritten")
    func neverOverwrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let at = Timestamp(microseconds: 1_700_000_000_123_456)
        let first = try ExportFile.write(Array("one\n".utf8), runID: "run/../x y", at: at, directory: dir + "/nested")
        let second = try ExportFile.write(Array("two\n".utf8), runID: "run/../x y", at: at, directory: dir + "/nested")
        #expect(first == dir + "/nested/run-run_.._x_y-20231114T221320Z.ndjson")
        #expect(second == dir + "/nested/run-run_.._x_y-20231114T221320Z-2.ndjson")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "one\n")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "two\n")
        #expect(ExportFile.directory(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/charm-monitor/exports")
        #expect(ExportFile.directory(environment: ["HOME": "/h"]) == "/h/.local/state/charm-monitor/exports")
    }

    @Test("a directory that cannot be made is a clear error")
    func unwritable() {
        #expect(throws: ExportFile.Failure.self) {
            try ExportFile.write([], runID: "r", at: .now(), directory: "/proc/no-such/charm")
        }
    }
}
