import CharmTelemetry

/// One run as the monitor knows it: its place in the tree, its status, its tool calls and
/// its streamed text.
package struct MonitorRun: Sendable, Hashable {
    /// The run id.
    package let id: String
    /// The source it was first seen on.
    package let source: SourceID
    /// Position in order of first appearance (runs are listed in this order).
    package let order: UInt64
    /// The run's name (an agent's name), when its `run_start` gave one.
    package internal(set) var name: String?
    /// The parent run id, as given by `run_start` (the parent may not have arrived yet).
    package internal(set) var parentID: String?
    /// Child run ids, in order of first appearance.
    package internal(set) var children: [String] = []
    /// `run_start`'s inputs, when seen.
    package internal(set) var inputs: JSONObject = [:]
    /// `run_end`'s outputs, when seen.
    package internal(set) var outputs: JSONObject?
    /// Start: the `run_start` time, or the first event's time when the start was not seen.
    package internal(set) var start: Timestamp
    /// The `run_end` time.
    package internal(set) var end: Timestamp?
    /// The status `run_end` gave, if any.
    package internal(set) var endStatus: RunStatus?
    /// Error hooks of this run (tool errors are counted on their calls).
    package internal(set) var errorCount = 0
    /// The last error hook's error.
    package internal(set) var lastError: TelemetryError?
    /// Tool calls in start order (the oldest may have been evicted: see `evictedToolCalls`).
    package internal(set) var toolCalls: [ToolCallRecord] = []
    /// Tool calls of this run ever started (including evicted ones).
    package internal(set) var toolCallCount = 0
    /// Tool calls evicted from the front of `toolCalls`.
    package internal(set) var evictedToolCalls = 0
    /// Language-model calls in the order they started (the oldest may have been evicted: see
    /// `evictedLLMCalls`).
    package internal(set) var llmCalls: [LLMCallRecord] = []
    /// Language-model calls ever reported for this run (including evicted ones).
    package internal(set) var llmCallCount = 0
    /// LLM calls evicted from the front of `llmCalls`.
    package internal(set) var evictedLLMCalls = 0
    /// Input tokens of this run's own LLM calls (evicted ones included), when any said.
    package internal(set) var inputTokens: Int?
    /// Output tokens of this run's own LLM calls (evicted ones included), when any said.
    package internal(set) var outputTokens: Int?
    /// US dollars of this run's own LLM calls that the price table could price.
    package internal(set) var pricedCost: Double = 0
    /// This run's own LLM calls the price table could not price (unknown model, no counts).
    package internal(set) var unpricedLLMCalls = 0
    /// Agent actions, oldest first (bounded).
    package internal(set) var actions: [AgentActionRecord] = []
    /// Token events.
    package internal(set) var tokenCount = 0
    /// The streamed text (its start dropped beyond `RetentionLimits.maxTextBytesPerRun`).
    package internal(set) var text = ""
    /// Bytes dropped from the start of `text`.
    package internal(set) var droppedTextBytes = 0
    /// The first token's time.
    package internal(set) var firstTokenAt: Timestamp?
    /// The last token's time.
    package internal(set) var lastTokenAt: Timestamp?
    /// The latest event's time.
    package internal(set) var lastActivity: Timestamp
    /// Files the run produced, as the runner or the agent reported them (oldest first, bounded).
    package internal(set) var artifacts: [RunArtifact] = []
    /// The container's exit code, from Charm's runner (`internal_run_finished` or
    /// "Execution Failed (Code N)"), when it reported one.
    package internal(set) var exitCode: Int?

    /// The rules that fired for this run (see `Finding`).
    package internal(set) var findingRules: Set<DetectorRule> = []

    /// Call id → absolute index (index in `toolCalls` plus `evictedToolCalls`).
    var callIndex: [String: Int] = [:]
    /// Absolute indices of calls still running, oldest first.
    var openCalls: [Int] = []
    /// The absolute indexes (counting evicted calls) of the calls still running, oldest first.
    package var openCallIndexes: [Int] { openCalls }
    /// Counter for ids given to calls that arrived without one.
    var anonymousCalls = 0
    /// Byte length of `text`, tracked to avoid recounting.
    var textBytes = 0
    /// What the detectors remember of this run.
    var watch = RunWatch()

    init(id: String, source: SourceID, order: UInt64, start: Timestamp) {
        self.id = id
        self.source = source
        self.order = order
        self.start = start
        self.lastActivity = start
    }

    /// What this run's own LLM calls cost in US dollars; `nil` when it made none or any of
    /// them could not be priced (a partial sum would be a wrong cost).
    package var cost: Double? { llmCallCount > 0 && unpricedLLMCalls == 0 ? pricedCost : nil }

    /// Whether `run_end` was seen.
    package var isFinished: Bool { end != nil }

    /// Whether the monitor ended it at exit because no `run_end` came (`RunStatus.unfinished`).
    package var isUnfinished: Bool { end == nil && endStatus == .unfinished }

    /// Error if an error hook was seen or the run ended with status error; ok if it ended
    /// otherwise; running until then.
    package var status: ActivityStatus {
        if errorCount > 0 || endStatus == .error { return .error }
        return end == nil ? .running : .ok
    }

    /// Seconds from start to end, or to `now` while running.
    package func duration(now: Timestamp) -> Double { max(0, (end ?? now).seconds(since: start)) }

    /// Tokens per second from the first token to the last (or to `now` while running).
    package func tokensPerSecond(now: Timestamp) -> Double {
        guard let first = firstTokenAt, tokenCount > 1 else { return 0 }
        let last = end == nil ? now : (lastTokenAt ?? now)
        let s = last.seconds(since: first)
        return s > 0 ? Double(tokenCount) / s : 0
    }

    /// This run without what only the token and timeline panes read in full (streamed text,
    /// tool calls and their index, actions, inputs): what a frame keeps of a run it shows.
    /// A frame that shared those buffers would make the engine's next append copy them.
    func forView() -> MonitorRun {
        var r = self
        r.text = ""
        r.toolCalls = []
        r.llmCalls = []
        r.callIndex = [:]
        r.openCalls = []
        r.actions = []
        r.inputs = [:]
        r.watch = RunWatch()
        return r
    }

    /// The call with id `callID`, if kept.
    package func toolCall(_ callID: String) -> ToolCallRecord? {
        guard let abs = callIndex[callID] else { return nil }
        return toolCalls[abs - evictedToolCalls]
    }
}
