import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// What Charm's runner adds to a stream, in the exact shapes charmos 0.5.2 prints
/// (`runner/script_builder.py` echoes, `runner/backend/docker.py` SSE frames).
@Suite("Charm's runner events")
struct RunnerEventsTests {
    static let heartbeat = #"::CHARM_EVENT::{"type":"thinking","content":"..."}"#

    /// Our structured stream for one run with a tool call, then the runner's lines.
    func structuredRunThenRunner(_ runner: [String]) -> (MonitorModel, WireScript) {
        var s = WireScript()
        s.raw(Self.heartbeat)
        s.runStart("agent-run")
        s.toolStart("agent-run", call: "c1", tool: "fetch", input: "https://example.com")
        s.toolEnd("agent-run", call: "c1", tool: "fetch", output: "key [OPENAI_API_KEY_REDACTED] used")
        s.raw(Self.heartbeat)
        for line in runner {
            s.raw(line)
            if line.hasPrefix("data: ") { s.raw("") }  // an SSE frame ends at a blank line
        }
        return (s.model(), s)
    }

    @Test("a heartbeat marks its source alive and is no log line")
    func heartbeat() {
        let (model, _) = structuredRunThenRunner([])
        let source = model.sources["demo"]
        #expect(source?.heartbeats == 2)
        #expect(source?.lastHeartbeat != nil)
        #expect(!model.log.contains { $0.text == "..." })
        #expect(model.headlessSummary()["heartbeats"] == .int(2))
    }

    @Test("Execution Failed (Code N) ends a structured run in error with its exit code, once")
    func executionFailed() throws {
        let (model, _) = structuredRunThenRunner([
            #"data: {"type": "error", "content": "Execution Failed (Code 137).\nKilled"}"#,
            #"data: {"type": "internal_run_finished", "content": {"exit_code": 137, "duration_ms": 5021}}"#,
        ])
        let run = try #require(model.run("agent-run"))
        #expect(run.status == .error)
        #expect(run.isFinished)
        #expect(run.exitCode == 137)
        #expect(model.runs.count == 1, "the runner's error opened no run of its own")
        #expect(Array(model.errors).filter { $0.kind == .run && $0.runID == "agent-run" }.count == 1)
        #expect(model.headlessSummary()["runs"]?.arrayValue?.first?["exit_code"] == .int(137))
    }

    @Test("Execution Timeout. and a non-zero internal_run_finished end the run in error")
    func timeoutAndExit() throws {
        for lines in [
            [#"data: {"type": "error", "content": "Execution Timeout."}"#],
            [#"::CHARM_EVENT::{"type":"internal_run_finished","content":{"exit_code":2,"duration_ms":0}}"#],
        ] {
            let (model, _) = structuredRunThenRunner(lines)
            let run = try #require(model.run("agent-run"))
            #expect(run.status == .error && run.isFinished, "\(lines)")
        }
        let (ok, _) = structuredRunThenRunner([
            #"::CHARM_EVENT::{"type":"internal_run_finished","content":{"exit_code":0,"duration_ms":0}}"#
        ])
        #expect(ok.run("agent-run")?.status == .ok)
        #expect(ok.run("agent-run")?.exitCode == 0)
    }

    @Test("an agent's own error does not end its run: only the runner's do")
    func agentErrorIsNotTheRunners() throws {
        let (model, _) = structuredRunThenRunner([#"__CHARM_EVENT__{"type": "error", "content": "Execution of the plan failed"}"#])
        #expect(model.run("agent-run")?.isFinished == false)
    }

    @Test("artifacts are listed on their run, by run_id or the source's latest run")
    func artifacts() throws {
        let found = #"::CHARM_EVENT::{"type": "internal_artifact_found", "content": {"path": "/app/agent_code/out/report.pdf", "rel_path": "out/report.pdf", "mime": "application/pdf", "run_id": "run-42"}}"#
        let emitted = #"__CHARM_EVENT__{"type": "artifact", "content": {"name": "chart.png", "url": "https://example.com/chart.png", "mime": "image/png"}}"#
        let (model, script) = structuredRunThenRunner([found, emitted])
        let run = try #require(model.run("agent-run"))
        #expect(run.artifacts.map(\.name) == ["out/report.pdf", "chart.png"])
        #expect(run.artifacts.map(\.location) == ["/app/agent_code/out/report.pdf", "https://example.com/chart.png"])
        #expect(run.artifacts.map(\.mime) == ["application/pdf", "image/png"])
        var state = UIState()
        state.selectedRunID = "agent-run"
        let text = render(model, state, width: 120, height: 36, now: script.end).text
        #expect(text.contains("artifacts 2"))
        #expect(text.contains("out/report.pdf") && text.contains("application/pdf"))
    }

    @Test("a [NAME_REDACTED] value is drawn as redacted")
    func redactedIsMarked() throws {
        let (model, script) = structuredRunThenRunner([])
        var state = UIState()
        state.selectedRunID = "agent-run"
        state.focus = .tools
        let (opened, _) = press([.enter], state, model: model, width: 120, height: 36, now: script.end)
        let grid = render(model, opened, width: 120, height: 36, now: script.end)
        let lines = grid.lines()
        let row = try #require(lines.firstIndex { $0.contains("[OPENAI_API_KEY_REDACTED]") }, "\(lines.joined(separator: "\n"))")
        let column = try #require(grid.cellsColumn(of: "[OPENAI_API_KEY_REDACTED]", inRow: row))
        for x in column..<(column + "[OPENAI_API_KEY_REDACTED]".count) {
            #expect(grid[x: x, y: row].style == Theme.builtinDefault[.redacted], "column \(x)")
        }
        let after = try #require(grid.cellsColumn(of: " used", inRow: row))
        #expect(grid[x: after + 1, y: row].style != Theme.builtinDefault[.redacted])
        #expect(UIFormat.redactions(in: "a [X_REDACTED] b [lower_REDACTED] [_REDACTED] [K2_REDACTED]").count == 2)
    }
}
