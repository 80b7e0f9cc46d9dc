#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The run that tool calls and tokens in the current task belong to.
///
/// A task-local, so nested runs see their parent and concurrent runs in different tasks never
/// see each other's: the attribution Charm's hooks cannot express (they carry no run id).
package enum TelemetryScope {
    /// The innermost run of the current task, or `nil` outside any run.
    @TaskLocal package static var run: RunHandle?
}

/// The run id Charm uses when there is no run in scope (`run_id="local"`).
package let defaultRunID = "local"

/// Random identifiers for runs and tool calls: unique across processes, short to read.
package enum TelemetryID {
    /// `prefix` followed by 16 random hexadecimal digits.
    package static func make(_ prefix: String) -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next() as UInt64
        let hex = String(v, radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A started run: ends it, and attributes tool calls, tokens and errors to it explicitly.
public struct RunHandle: Sendable {
    /// The run's id.
    public let runID: String
    /// Its parent run, if it is nested.
    package let parentRunID: String?
    let manager: TelemetryManager

    /// Ends the run. `on_run_end(run_id, outputs)`.
    package func end(outputs: JSONObject = [:], status: RunStatus = .ok) {
        manager.dispatch(.runEnd(outputs: outputs, status: status), runID: runID, parentRunID: parentRunID)
    }

    /// Reports an error in this run. `on_error(run_id, error)`.
    public func error(_ error: any Error) {
        manager.dispatch(.error(TelemetryError(error)), runID: runID, parentRunID: parentRunID)
    }

    /// Reports an error and ends the run with status `error`.
    package func fail(_ error: any Error, outputs: JSONObject = [:]) {
        self.error(error)
        end(outputs: outputs, status: .error)
    }

    /// Starts a tool call in this run. `on_tool_start(tool_name, input_str)`.
    package func startTool(_ name: String, input: String) -> ToolCallHandle {
        let call = ToolCallHandle(callID: TelemetryID.make("call_"), toolName: name, run: self)
        manager.dispatch(.toolStart(toolName: name, input: input), runID: runID, parentRunID: parentRunID, callID: call.callID)
        return call
    }

    /// A streamed token in this run; empty tokens are skipped, as Charm skips them.
    package func token(_ token: String) {
        guard !token.isEmpty else { return }
        manager.dispatch(.llmNewToken(token: token), runID: runID, parentRunID: parentRunID)
    }

    /// An agent action in this run. `on_agent_action(tool, tool_input)`.
    package func agentAction(tool: String, toolInput: String) {
        manager.dispatch(.agentAction(tool: tool, toolInput: toolInput), runID: runID, parentRunID: parentRunID)
    }

    /// A language-model call of this run, once it returned (an `llm_call` event).
    package func llmCall(_ call: LLMCall) {
        manager.dispatch(.llmCall(call), runID: runID, parentRunID: parentRunID, callID: TelemetryID.make("llm_"))
    }
}

/// A started tool call, identified by a call id (Charm's hooks have none).
package struct ToolCallHandle: Sendable {
    /// The call's id, unique across processes.
    package let callID: String
    /// The tool's name.
    package let toolName: String
    /// The run it belongs to.
    package let run: RunHandle

    /// The tool returned. `on_tool_end(tool_name, output)`.
    package func end(output: String) {
        run.manager.dispatch(
            .toolEnd(toolName: toolName, output: output), runID: run.runID, parentRunID: run.parentRunID, callID: callID)
    }

    /// The tool failed. `on_tool_error(tool_name, error)`.
    package func fail(_ error: any Error) {
        run.manager.dispatch(
            .toolError(toolName: toolName, error: TelemetryError(error)), runID: run.runID,
            parentRunID: run.parentRunID, callID: callID)
    }
}

extension TelemetryManager {
    /// Starts a run whose parent is the run in scope (if any). `on_run_start(run_id, inputs)`.
    package func startRun(id: String? = nil, inputs: JSONObject = [:]) -> RunHandle {
        startRun(id: id, parentRunID: TelemetryScope.run?.runID, inputs: inputs)
    }

    /// Starts a run with an explicit parent.
    package func startRun(id: String? = nil, parentRunID: String?, inputs: JSONObject = [:]) -> RunHandle {
        let handle = RunHandle(runID: id ?? TelemetryID.make("run_"), parentRunID: parentRunID, manager: self)
        dispatch(.runStart(inputs: inputs), runID: handle.runID, parentRunID: parentRunID)
        return handle
    }

    /// Runs `body` as a run: start, then end with its outputs, or error and end with status
    /// `error` if it throws (the error is rethrown). Tool calls and tokens made through this
    /// manager inside `body`, in this task or its child tasks, are attributed to the run.
    public func withRun(
        id: String? = nil, inputs: JSONObject = [:],
        _ body: (RunHandle) async throws -> JSONObject
    ) async rethrows -> JSONObject {
        let run = startRun(id: id, inputs: inputs)
        do {
            let outputs = try await TelemetryScope.$run.withValue(run) { try await body(run) }
            run.end(outputs: outputs)
            return outputs
        } catch {
            run.fail(error)
            throw error
        }
    }

    /// The run in scope, or Charm's `"local"` run when there is none.
    package var currentRun: RunHandle {
        TelemetryScope.run ?? RunHandle(runID: defaultRunID, parentRunID: nil, manager: self)
    }

    /// Starts a tool call in the run in scope.
    package func startTool(_ name: String, input: String) -> ToolCallHandle {
        currentRun.startTool(name, input: input)
    }

    /// Runs `body` as a tool call: end with its output, or tool error if it throws (rethrown).
    public func withTool(_ name: String, input: String, _ body: () async throws -> String) async rethrows -> String {
        let call = startTool(name, input: input)
        do {
            let out = try await body()
            call.end(output: out)
            return out
        } catch {
            call.fail(error)
            throw error
        }
    }

    /// A streamed token in the run in scope.
    public func llmNewToken(_ token: String) { currentRun.token(token) }

    /// An agent action in the run in scope.
    public func agentAction(tool: String, toolInput: String) {
        currentRun.agentAction(tool: tool, toolInput: toolInput)
    }

    /// A language-model call of the run in scope, reported once it returned: its model,
    /// token usage, start and outcome (`llm_call`; the monitor shows it on the timeline and
    /// prices it). Charm's hook-style exporters do not see it.
    public func llmCall(_ call: LLMCall) { currentRun.llmCall(call) }
}
