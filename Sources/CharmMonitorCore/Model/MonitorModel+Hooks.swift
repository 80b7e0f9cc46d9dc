import CharmTelemetry

extension MonitorModel {
    /// Applies one hook event (parsed telemetry, or rebuilt from a legacy stream) from `source`.
    ///
    /// Any event creates its run if unseen, so a stream that starts mid-run still shows it;
    /// a later `run_start` then fills in the start time, inputs and parent.
    package mutating func apply(_ event: TelemetryEvent, source: SourceID, at: Timestamp) {
        generation &+= 1
        counters.hookEvents += 1
        let nameLimit = limits.maxNameBytes
        let id = MonitorModel.boundedName(event.runID, nameLimit)
        // Index lookups, not `runs[id]`: reading a run out of the dictionary copies it (every
        // array and string in it retained), which dominated ingest of token floods.
        var found = runs.index(forKey: id)
        let isNew = found == nil
        if isNew {
            ensureRun(id, source: source, at: event.timestamp)
            found = runs.index(forKey: id)
        }
        // evicted at once: maxRuns reached by live runs
        guard let ri = found else { return }
        // From here on only values change, never the set of keys, so `ri` stays valid and
        // the run id is hashed once per event rather than once per update.
        let ts = event.timestamp
        let ioLimit = limits.maxToolIOBytes
        updateRun(ri) { r in
            if ts > r.lastActivity { r.lastActivity = ts }
        }
        switch event.payload {
        case .runStart(let inputs):
            let kept = MonitorModel.bounded(inputs, limits.maxEntryBytes)
            let name = event.runName.map { MonitorModel.boundedName($0, nameLimit) }
            updateRun(ri) { r in
                r.inputs = kept
                if let name { r.name = name }
                if !isNew || ts < r.start { r.start = ts }
            }
            if let parent = event.parentRunID.map({ MonitorModel.boundedName($0, nameLimit) }), parent != id {
                setParent(id, parent)
            }
        case .runEnd(let outputs, let status):
            var wasFinished = false
            let kept = MonitorModel.bounded(outputs, limits.maxEntryBytes)
            updateRun(ri) { r in
                wasFinished = r.isFinished
                r.outputs = kept
                r.end = ts
                r.endStatus = status
            }
            if !wasFinished { noteFinished(id) }
        case .error(let e):
            updateRun(ri) { r in
                r.errorCount += 1
                r.lastError = e
            }
            addError(MonitorErrorEntry(at: at, kind: .run, source: source, runID: id, message: describe(e)))
            judge(ri, at: at) { w, rules in w.error(rules, run: id, at: ts) }
        case .toolStart(let name, let input):
            let name = MonitorModel.boundedName(name, nameLimit)
            let callID = startTool(
                run: ri, callID: event.callID.map { MonitorModel.boundedName($0, nameLimit) }, name: name, input: input, at: ts)
            noteToolStarted(name, run: id, call: callID)
            let rules = detectors.rules
            var found: [Finding] = []
            updateRun(ri) { r in found = r.watch.toolStarted(rules, run: id, callID: callID, name: name, input: input, at: ts) }
            for f in found { record(f, at: at) }
        case .toolEnd(let name, let output):
            let name = MonitorModel.boundedName(name, nameLimit)
            let ended = endTool(
                run: ri, callID: event.callID.map { MonitorModel.boundedName($0, nameLimit) }, name: name, at: ts
            ) { c in
                c.status = .ok
                c.output = MonitorModel.cut(output, ioLimit)
            }
            toolEnded(ended, run: ri, id: id, name: name, failed: false, at: ts, received: at)
        case .toolError(let name, let e):
            let name = MonitorModel.boundedName(name, nameLimit)
            let ended = endTool(
                run: ri, callID: event.callID.map { MonitorModel.boundedName($0, nameLimit) }, name: name, at: ts
            ) { c in
                c.status = .error
                c.error = TelemetryError(type: e.type, message: MonitorModel.cut(e.message, ioLimit))
            }
            addError(
                MonitorErrorEntry(
                    at: at, kind: .tool, source: source, runID: id, callID: ended.callID, message: "\(name): \(describe(e))"))
            toolEnded(ended, run: ri, id: id, name: name, failed: true, at: ts, received: at)
            judge(ri, at: at) { w, rules in w.error(rules, run: id, at: ts) }
        case .llmNewToken(let token):
            appendToken(run: ri, token, at: ts)
            judge(ri, at: at) { w, rules in w.token(rules, run: id, at: ts) }
            if detectors.rules.budget.maxTokens != nil { judgeUsage(ri, id: id, at: ts, received: at) }
        case .agentAction(let tool, let input):
            let cap = limits.maxActionsPerRun
            updateRun(ri) { r in
                guard cap > 0 else { return }
                if r.actions.count >= cap { r.actions.removeFirst(max(1, cap / 8)) }
                r.actions.append(AgentActionRecord(at: ts, tool: tool, toolInput: input))
            }
        case .llmCall(let call):
            addLLMCall(run: ri, call, callID: event.callID.map { MonitorModel.boundedName($0, nameLimit) }, at: ts)
            if let e = call.error {
                addError(
                    MonitorErrorEntry(
                        at: at, kind: .run, source: source, runID: id, callID: event.callID,
                        message: "\(call.model ?? "llm"): \(describe(e))"))
                judge(ri, at: at) { w, rules in w.error(rules, run: id, at: ts) }
            }
            judgeUsage(ri, id: id, at: ts, received: at)
        }
        // Anything but a token ends a stream: a gap spent in a tool call is no stall.
        var isToken = false
        if case .llmNewToken = event.payload { isToken = true }
        syncWatched(ri, id: id, endingStream: !isToken)
    }

    /// Runs one detector hook on the run at `ri`'s watch, recording what it found.
    private mutating func judge(
        _ ri: [String: MonitorRun].Index, at: Timestamp, _ hook: (inout RunWatch, DetectorRules) -> Finding?
    ) {
        let rules = detectors.rules
        var found: Finding?
        updateRun(ri) { r in found = hook(&r.watch, rules) }
        if let found { record(found, at: at) }
    }

    /// The budget rule on the run at `ri`'s usage now.
    private mutating func judgeUsage(_ ri: [String: MonitorRun].Index, id: String, at ts: Timestamp, received at: Timestamp) {
        let rules = detectors.rules
        var found: Finding?
        // Read inside the update (in place): `runs.values[ri].x` would copy the whole run.
        updateRun(ri) { r in
            let tokens = r.budgetTokens
            let cost = r.pricedCost
            found = r.watch.usage(rules, run: id, tokens: tokens, cost: cost, at: ts)
        }
        if let found { record(found, at: at) }
    }

    /// Ends the run at `ri`'s token stream when `endingStream`, and keeps `detectors.watched`
    /// in step with whether it has a call open or a stream going (the set is touched only
    /// when that changes, so a token costs no set update). One in-place access: reading
    /// `runs.values[ri].x` copies the whole run (a retain of each of its buffers).
    mutating func syncWatched(_ ri: [String: MonitorRun].Index, id: String, endingStream: Bool) {
        var flipped: Bool?
        updateRun(ri) { r in
            if endingStream && r.watch.streaming { r.watch.streaming = false }
            let wanted = !r.isFinished && (!r.openCalls.isEmpty || r.watch.streaming)
            if wanted != r.watch.watched {
                r.watch.watched = wanted
                flipped = wanted
            }
        }
        guard let flipped else { return }
        if flipped { detectors.watched.insert(id) } else { detectors.watched.remove(id) }
    }

    /// Counts a call that ended in its tool's statistics and asks the stall rule about it.
    private mutating func toolEnded(
        _ ended: EndedCall, run ri: [String: MonitorRun].Index, id: String, name: String, failed: Bool, at ts: Timestamp,
        received at: Timestamp
    ) {
        if ended.startUnseen { noteToolStarted(name, run: id, call: ended.callID) }
        guard ended.wasOpen else { return }
        // A call whose start was never seen has no duration to count or judge.
        let seconds = ended.startUnseen ? nil : ended.seconds
        let p95 = noteToolEnded(name, seconds: seconds, failed: failed)
        guard let seconds else { return }
        judge(ri, at: at) { w, rules in
            w.toolEnded(rules, run: id, callID: ended.callID, name: name, seconds: seconds, p95: p95, at: ts)
        }
    }

    /// Keeps an LLM call in start order (calls of one run may end out of order), counts its
    /// tokens into the run's, and evicts the oldest beyond `maxToolCallsPerRun`.
    private mutating func addLLMCall(run ri: [String: MonitorRun].Index, _ call: LLMCall, callID: String?, at ts: Timestamp) {
        let limits = self.limits
        var call = call
        call.model = call.model.map { MonitorModel.boundedName($0, limits.maxNameBytes) }
        call.provider = call.provider.map { MonitorModel.boundedName($0, limits.maxNameBytes) }
        call.inputMessages = call.inputMessages.map { MonitorModel.cut($0, limits.maxToolIOBytes) }
        call.outputMessages = call.outputMessages.map { MonitorModel.cut($0, limits.maxToolIOBytes) }
        call.error = call.error.map { TelemetryError(type: $0.type, message: MonitorModel.cut($0.message, limits.maxToolIOBytes)) }
        if call.finishReasons.count > 16 { call.finishReasons.removeLast(call.finishReasons.count - 16) }
        let cost = prices.cost(of: call)
        updateRun(ri) { r in
            r.llmCallCount += 1
            if let cost { r.pricedCost += cost } else { r.unpricedLLMCalls += 1 }
            let record = LLMCallRecord(callID: callID ?? "llm-\(r.llmCallCount)", call: call, end: ts)
            if let n = call.inputTokens { r.inputTokens = (r.inputTokens ?? 0) &+ n }
            if let n = call.outputTokens { r.outputTokens = (r.outputTokens ?? 0) &+ n }
            let at = r.llmCalls.lastIndex { $0.start <= call.start }.map { $0 + 1 } ?? 0
            r.llmCalls.insert(record, at: at)
            if r.llmCalls.count > limits.maxToolCallsPerRun {
                let n = max(1, min(r.llmCalls.count - 1, limits.maxToolCallsPerRun / 8))
                r.llmCalls.removeFirst(n)
                r.evictedLLMCalls += n
            }
        }
    }

    private func describe(_ e: TelemetryError) -> String {
        e.type == "Error" || e.type.isEmpty ? e.message : "\(e.type): \(e.message)"
    }

    /// Mutates the run at `index` in place (no copy of the run or the dictionary); the index
    /// must come from `runs` since its last insertion or removal. Keeps `runningRuns` and
    /// `keptToolCalls` in step with what `body` changed.
    mutating func updateRun(_ index: [String: MonitorRun].Index, _ body: (inout MonitorRun) -> Void) {
        var running = 0
        var calls = 0
        withRuns { runs in MonitorModel.tracking(&runs.values[index], running: &running, calls: &calls, body) }
        runningRuns += running
        keptToolCalls += calls
    }

    /// Runs `body` on `r` in place and says how it moved the running count and the calls.
    private static func tracking(
        _ r: inout MonitorRun, running: inout Int, calls: inout Int, _ body: (inout MonitorRun) -> Void
    ) {
        let wasRunning = r.status == .running
        let callsBefore = r.toolCallCount
        body(&r)
        running = (r.status == .running ? 1 : 0) - (wasRunning ? 1 : 0)
        calls = r.toolCallCount - callsBefore
    }

    /// `s` when it fits `limit` bytes; else its start, "…", and 8 hex digits of a hash of the
    /// whole (FNV-1a), so the same long name always maps to the same kept name and two that
    /// share a start stay apart.
    package static func boundedName(_ s: String, _ limit: Int) -> String {
        guard s.utf8.count > limit else { return s }
        var hash: UInt32 = 0x811C_9DC5
        for b in s.utf8 { hash = (hash ^ UInt32(b)) &* 0x0100_0193 }
        let hex = String(hash, radix: 16)
        return cut(s, limit - 12) + "#" + String(repeating: "0", count: 8 - hex.count) + hex  // 3 bytes of "…", 9 of "#hash"
    }

    /// `o` when its JSON fits `limit` bytes; else its compact JSON text cut, under `_cut`.
    static func bounded(_ o: JSONObject, _ limit: Int) -> JSONObject { o.bounded(toJSONBytes: limit) }

    /// `s` cut to `limit` UTF-8 bytes (`String.cut(toUTF8:)`).
    static func cut(_ s: String, _ limit: Int) -> String { s.cut(toUTF8: limit) }

    /// Starts a call; returns its id (given, or made up).
    private mutating func startTool(
        run ri: [String: MonitorRun].Index, callID: String?, name: String, input: String, at ts: Timestamp
    ) -> String {
        let limits = self.limits
        var evicted = 0
        var id = ""
        updateRun(ri) { r in
            let cid: String
            if let callID {
                cid = callID
            } else {
                r.anonymousCalls += 1
                cid = "call-\(r.anonymousCalls)"
            }
            id = cid
            let abs = r.evictedToolCalls + r.toolCalls.count
            r.toolCalls.append(
                ToolCallRecord(callID: cid, toolName: name, input: MonitorModel.cut(input, limits.maxToolIOBytes), start: ts))
            r.callIndex[cid] = abs
            r.openCalls.append(abs)
            r.toolCallCount += 1
            if r.toolCalls.count > limits.maxToolCallsPerRun {
                let n = max(1, min(r.toolCalls.count - 1, limits.maxToolCallsPerRun / 8))
                for c in r.toolCalls[0..<n] where r.callIndex[c.callID].map({ $0 - r.evictedToolCalls < n }) ?? false {
                    r.callIndex[c.callID] = nil
                }
                r.toolCalls.removeFirst(n)
                r.evictedToolCalls += n
                let floor = r.evictedToolCalls
                r.openCalls.removeAll { $0 < floor }
                evicted = n
            }
        }
        counters.evictedToolCalls += evicted
        return id
    }

    /// What ending a call found: its id, whether it was running (a second end of one call
    /// counts nothing), whether its start was never seen, and how long it took.
    struct EndedCall {
        var callID: String
        var wasOpen: Bool
        var startUnseen: Bool
        var seconds: Double?
    }

    /// Ends the call `callID` (or, without an id, the oldest running call of that tool, then
    /// the oldest running call); a call whose start was never seen is added as it ends.
    private mutating func endTool(
        run ri: [String: MonitorRun].Index, callID: String?, name: String, at ts: Timestamp, _ finish: (inout ToolCallRecord) -> Void
    ) -> EndedCall {
        var result = EndedCall(callID: "", wasOpen: false, startUnseen: false)
        updateRun(ri) { r in
            var abs: Int?
            if let callID {
                abs = r.callIndex[callID]
            } else {
                abs = r.openCalls.first { r.toolCalls[$0 - r.evictedToolCalls].toolName == name } ?? r.openCalls.first
            }
            if abs == nil {
                let cid = callID ?? { r.anonymousCalls += 1; return "call-\(r.anonymousCalls)" }()
                let a = r.evictedToolCalls + r.toolCalls.count
                r.toolCalls.append(ToolCallRecord(callID: cid, toolName: name, input: "", start: ts))
                r.callIndex[cid] = a
                r.toolCallCount += 1
                abs = a
                result.startUnseen = true
            }
            let i = abs! - r.evictedToolCalls
            result.wasOpen = r.toolCalls[i].end == nil
            finish(&r.toolCalls[i])
            r.toolCalls[i].end = ts
            if let k = r.openCalls.firstIndex(of: abs!) { r.openCalls.remove(at: k) }
            result.callID = r.toolCalls[i].callID
            result.seconds = r.toolCalls[i].duration
        }
        return result
    }

    private mutating func appendToken(run ri: [String: MonitorRun].Index, _ token: String, at ts: Timestamp) {
        let limit = limits.maxTextBytesPerRun
        var dropped = 0
        updateRun(ri) { r in
            r.tokenCount += 1
            if r.firstTokenAt == nil { r.firstTokenAt = ts }
            r.lastTokenAt = ts
            r.text.append(token)
            r.textBytes += token.utf8.count
            // Trim in steps of a quarter of the limit so trimming stays amortised O(1).
            if r.textBytes > limit + limit / 4 {
                let excess = r.textBytes - limit
                var cut = r.text.utf8.index(r.text.utf8.startIndex, offsetBy: excess)
                while cut < r.text.utf8.endIndex && cut.samePosition(in: r.text.unicodeScalars) == nil {
                    cut = r.text.utf8.index(after: cut)
                }
                let removed = r.text.utf8.distance(from: r.text.utf8.startIndex, to: cut)
                r.text = String(r.text[cut...])
                r.textBytes -= removed
                r.droppedTextBytes += removed
                dropped = removed
            }
        }
        counters.evictedTextBytes += dropped
    }
}
