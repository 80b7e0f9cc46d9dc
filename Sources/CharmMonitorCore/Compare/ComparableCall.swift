import CharmTelemetry
import CharmWire

/// One call as a comparison sees it: a tool call or a language-model call reduced to what
/// two runs can be aligned and told apart by. A plain value with a memberwise initializer, so
/// the live model (`ComparableRun(run:model:)`) and a recording's `tool_calls` and
/// `llm_calls` tables can both feed `RunAlignment`.
package struct ComparableCall: Sendable, Hashable {
    /// A tool call or a language-model call.
    package enum Kind: String, Sendable, Hashable {
        /// A tool call (`tool_start` … `tool_end` / `tool_error`).
        case tool
        /// A language-model call.
        case llm
    }

    /// Which kind of call.
    package var kind: Kind
    /// The call's id.
    package var callID: String
    /// The run that made it: the compared run, or one of its sub-runs.
    package var runID: String
    /// The tool's name, or the model's.
    package var name: String
    /// A tool's input; a model call's input messages ("" when not reported).
    package var input: String
    /// A tool's output; a model call's output messages.
    package var output: String?
    /// The error, as `Type: message`, when it failed.
    package var error: String?
    /// Running, ok or error.
    package var status: ActivityStatus
    /// Seconds from the compared run's start to the call's start.
    package var startOffset: Double
    /// Seconds it took; `nil` while running.
    package var duration: Double?
    /// A model call's input tokens, when reported.
    package var inputTokens: Int?
    /// A model call's output tokens, when reported.
    package var outputTokens: Int?

    /// A call with every field given.
    package init(
        kind: Kind, callID: String, runID: String, name: String, input: String, output: String? = nil,
        error: String? = nil, status: ActivityStatus, startOffset: Double = 0, duration: Double? = nil,
        inputTokens: Int? = nil, outputTokens: Int? = nil
    ) {
        self.kind = kind
        self.callID = callID
        self.runID = runID
        self.name = name
        self.input = input
        self.output = output
        self.error = error
        self.status = status
        self.startOffset = startOffset
        self.duration = duration
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    /// Input plus output tokens, when either was reported.
    package var tokens: Int? {
        inputTokens == nil && outputTokens == nil ? nil : (inputTokens ?? 0) + (outputTokens ?? 0)
    }

    /// What two calls must share to be "the same step": kind, name and input. JSON input is
    /// compared as its compact form, so two producers that space it differently still align.
    package var alignmentKey: AlignmentKey { AlignmentKey(kind: kind, name: name, input: ComparableCall.canonical(input)) }

    /// Kind, name and (canonical) input: the element type of the diff.
    package struct AlignmentKey: Hashable, Sendable {
        /// The kind.
        package var kind: Kind
        /// The tool's or model's name.
        package var name: String
        /// The input, JSON in compact form.
        package var input: String
    }

    /// `text` in compact JSON when it is a JSON object or array, else itself.
    static func canonical(_ text: String) -> String {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let value = try? JSONParser.parse(text)
        else { return text }
        return JSONWriter.compact(value)
    }
}

extension ComparableCall {
    /// An error as `Type: message`, or the message alone when its type says nothing more
    /// (`Error`, none): the form a recording's tables store, so live and recorded calls compare.
    package static func describe(_ error: TelemetryError) -> String {
        error.type == "Error" || error.type.isEmpty ? error.message : "\(error.type): \(error.message)"
    }

    /// A tool call of `runID`, offsets measured from `runStart`.
    package init(_ call: ToolCallRecord, runID: String, runStart: Timestamp) {
        self.init(
            kind: .tool, callID: call.callID, runID: runID, name: call.toolName, input: call.input, output: call.output,
            error: call.error.map(ComparableCall.describe), status: call.status,
            startOffset: call.start.seconds(since: runStart), duration: call.duration)
    }

    /// A model call of `runID`, offsets measured from `runStart`.
    package init(_ record: LLMCallRecord, runID: String, runStart: Timestamp) {
        let call = record.call
        self.init(
            kind: .llm, callID: record.callID, runID: runID, name: record.displayName, input: call.inputMessages ?? "",
            output: call.outputMessages, error: call.error.map(ComparableCall.describe), status: record.status,
            startOffset: record.start.seconds(since: runStart), duration: record.duration,
            inputTokens: call.inputTokens, outputTokens: call.outputTokens)
    }
}

/// One side of a comparison: a run's calls in start order, copied out of wherever the run
/// lives (the live model, a recording), so it outlasts the run's eviction and a switch to
/// another session.
package struct ComparableRun: Sendable, Hashable {
    /// The run id.
    package var id: String
    /// The run's name (an agent's), when known.
    package var name: String?
    /// Where it came from, for display: a source name, a session id, a file.
    package var origin: String?
    /// Its calls in start order.
    package var calls: [ComparableCall]
    /// Calls the run had made that were evicted before this copy (not compared).
    package var droppedCalls: Int

    /// A run with every field given.
    package init(id: String, name: String? = nil, origin: String? = nil, calls: [ComparableCall], droppedCalls: Int = 0) {
        self.id = id
        self.name = name
        self.origin = origin
        self.calls = calls
        self.droppedCalls = droppedCalls
    }

    /// `run` as its timeline shows it: its own tool and model calls and its sub-runs', in
    /// start order (an agent that hands work to sub-agents is compared on what they did,
    /// the same list the Calls pane shows).
    package init(run: MonitorRun, model: MonitorModel) {
        let timeline = UIRows.timeline(model, run)
        let calls = timeline.map { entry -> ComparableCall in
            switch entry.item {
            case .tool(let c): ComparableCall(c, runID: entry.runID, runStart: run.start)
            case .llm(let c): ComparableCall(c, runID: entry.runID, runStart: run.start)
            }
        }
        self.init(
            id: run.id, name: run.name, origin: run.source.name, calls: calls,
            droppedCalls: run.evictedToolCalls + run.evictedLLMCalls)
    }

    /// The run's label: `name · id`, or the id.
    package var label: String { name.map { "\($0) · \(id)" } ?? id }
}
