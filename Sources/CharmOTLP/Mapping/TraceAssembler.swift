import CharmTelemetry
import DequeModule

/// Turns spans, which arrive finished, late and out of order, into the monitor's events in
/// an order that makes sense: a run's start before its calls, a call's start before its end.
///
/// A span's owner is its nearest enclosing agent span, and an agent's parent run is the
/// agent above it; neither is known until every span between it and that agent (or the
/// trace's root) has arrived. Spans wait here, per trace, until their chain is complete,
/// then go out together, sorted by time. A chain broken by a parent that never comes is
/// given up on after `orphanAfter`, or when the pending spans exceed `maxPendingSpans`, or
/// at `finish`: its spans then belong to the run made for their trace.
///
/// A plain value: the receivers' `OTLPIngest` owns one behind a lock.
package struct TraceAssembler {
    /// Bounds: what is held waiting and what is remembered of spans gone out.
    package struct Limits: Sendable {
        /// Spans held waiting for a parent, over all traces; beyond it the oldest trace is
        /// given up on.
        package var maxPendingSpans = 100_000
        /// How long a trace may wait without a new span before its missing parents are
        /// taken as never coming. Long: an agent's span arrives only when the agent ends.
        package var orphanAfter: Duration = .seconds(600)
        /// Spans gone out whose owners are remembered, for children that come after them.
        package var maxRemembered = 200_000
        /// GenAI events held for model spans that have not gone out (waiting, or not yet
        /// received); beyond it the oldest span's are dropped. Those of a span not received
        /// within `orphanAfter` are dropped too.
        package var maxHeldMessageEvents = 20_000

        /// The standard bounds.
        package init() {}
    }

    /// An event for the engine, with the `service.name` of the span it came from.
    struct Output: Sendable {
        var service: String
        var event: TelemetryEvent
    }

    /// A trace with spans waiting, as the monitor shows it before its runs are known.
    package struct PendingTrace: Sendable, Hashable {
        package var traceID: String
        package var service: String
        package var agents = 0
        package var tools = 0
        package var llmCalls = 0
        package var others = 0
        /// The earliest start among the waiting spans.
        package var start: Timestamp
    }

    /// What encloses a span that went out: the run its children belong to.
    private enum Owner: Hashable {
        /// An agent span: its run.
        case run(String)
        /// No agent span above: children belong to the trace's run.
        case none
    }

    private struct Trace {
        var spans: [String: SpanFacts] = [:]
        var lastArrival: Timestamp
    }

    let limits: Limits
    private var traces: [String: Trace] = [:]
    private var owners: [String: Owner] = [:]
    private var ownerOrder: Deque<String> = []
    /// Trace runs started and not yet ended.
    private var openTraceRuns: Set<String> = []
    /// Trace runs ended, remembered (bounded) so a late span does not start one again.
    private var endedTraceRuns: Set<String> = []
    private var endedOrder: Deque<String> = []
    /// Traces whose root went out: its end, and its error, end a trace run started later.
    private var rootEnds: [String: (Timestamp, TelemetryError?)] = [:]
    private var rootOrder: Deque<String> = []
    private var seq: UInt64 = 0
    /// GenAI events' messages by the trace and span id of their model call (`key`), held until
    /// that span goes out.
    private var messages: [String: HeldMessages] = [:]
    /// Span ids in `messages`, oldest first (ids already taken are skipped when met).
    private var messageOrder: Deque<String> = []
    /// GenAI events held in `messages`.
    private(set) var heldMessageEvents = 0
    /// Spans waiting, over all traces.
    private(set) var pendingSpans = 0
    /// Spans received a second time (same span id after it went out), ignored.
    private(set) var duplicates = 0

    init(limits: Limits = Limits()) { self.limits = limits }

    /// What became of a GenAI event given to `attach`.
    enum Attached: Equatable {
        /// Held for its span, whose LLM call will carry it.
        case held
        /// Its span already went out: the event is shown, not attached.
        case late
    }

    /// The messages of GenAI events for one model span, in the order they came.
    private struct HeldMessages {
        var traceID: String
        var spanID: String
        var input: [JSONValue] = []
        var output: [JSONValue] = []
        /// From `gen_ai.client.inference.operation.details`: the whole lists, which win.
        var inputText: String?
        var outputText: String?
        var events = 0
        var lastArrival: Timestamp

        /// Fills what `call` does not carry itself: the span's own attributes win. Cut as a
        /// span's own messages are (`SpanFacts.maxTextBytes`).
        func apply(to call: inout LLMCall) {
            if call.inputMessages == nil {
                call.inputMessages = (inputText ?? (input.isEmpty ? nil : JSONWriter.compact(.array(input)))).map(SpanFacts.cut)
            }
            if call.outputMessages == nil {
                call.outputMessages = (outputText ?? (output.isEmpty ? nil : JSONWriter.compact(.array(output)))).map(SpanFacts.cut)
            }
        }

        /// One event's message, kept whole up to `SpanFacts.maxTextBytes`, else as its cut
        /// text: held events are counted, so each must be small whatever was sent.
        static func bounded(_ m: JSONValue) -> JSONValue {
            let text = JSONWriter.compact(m)
            return text.utf8.count > SpanFacts.maxTextBytes ? .object(["_cut": .string(SpanFacts.cut(text))]) : m
        }
    }

    /// Holds the messages of a GenAI event for span `spanID` of `traceID` until that span goes
    /// out, when its LLM call carries them; an event for a span already gone out is `.late`.
    mutating func attach(_ event: GenAIMessageEvent, traceID: String, spanID: String, now: Timestamp) -> Attached {
        let key = TraceAssembler.key(traceID, spanID)
        if owners[key] != nil { return .late }
        if messages[key] == nil {
            messages[key] = HeldMessages(traceID: traceID, spanID: spanID, lastArrival: now)
            messageOrder.append(key)
        }
        switch event {
        case .input(let m): messages[key]!.input.append(HeldMessages.bounded(m))
        case .output(let m): messages[key]!.output.append(HeldMessages.bounded(m))
        case .details(let input, let output):
            if let input { messages[key]!.inputText = SpanFacts.cut(input) }
            if let output { messages[key]!.outputText = SpanFacts.cut(output) }
        }
        messages[key]!.events += 1
        messages[key]!.lastArrival = now
        heldMessageEvents += 1
        while heldMessageEvents > limits.maxHeldMessageEvents, let oldest = messageOrder.popFirst() {
            dropMessages(oldest)
        }
        return .held
    }

    /// Takes the messages held under `key` (its span is going out).
    private mutating func takeMessages(_ key: String) -> HeldMessages? {
        guard let m = messages.removeValue(forKey: key) else { return nil }
        heldMessageEvents -= m.events
        // Ids of taken entries stay in the order until met; keep it within twice what is held.
        if messageOrder.count > 2 * messages.count + 64 {
            messageOrder = Deque(messageOrder.filter { messages[$0] != nil })
        }
        return m
    }

    private mutating func dropMessages(_ key: String) { _ = takeMessages(key) }

    /// Drops the messages of spans not received within `orphanAfter` of their last event.
    private mutating func expireMessages(now: Timestamp, limitMicros: Int64) {
        let stale = messages.filter { _, m in
            now.microseconds - m.lastArrival.microseconds >= limitMicros && traces[m.traceID]?.spans[m.spanID] == nil
        }.map(\.key)
        for id in stale { dropMessages(id) }
    }

    /// Takes `spans` (in any order, any traces) received at `now`, and returns the events
    /// whose chains they completed, plus those of traces given up on.
    mutating func add(_ spans: [SpanFacts], now: Timestamp) -> [Output] {
        var touched: [String] = []
        var seen: Set<String> = []
        for s in spans {
            if owners[TraceAssembler.key(s.traceID, s.spanID)] != nil || traces[s.traceID]?.spans[s.spanID] != nil {
                duplicates += 1
                continue
            }
            if traces[s.traceID] == nil { traces[s.traceID] = Trace(lastArrival: now) }
            if seen.insert(s.traceID).inserted { touched.append(s.traceID) }
            traces[s.traceID]!.spans[s.spanID] = s
            traces[s.traceID]!.lastArrival = now
            pendingSpans += 1
        }
        var out: [Output] = []
        for t in touched { resolve(t, givingUp: false, into: &out) }
        out += expire(now: now)
        return out
    }

    /// Gives up on traces that waited longer than `orphanAfter`, and on the oldest while
    /// too many spans wait. Call it now and then even when nothing arrives.
    mutating func expire(now: Timestamp) -> [Output] {
        var out: [Output] = []
        let limitMicros = limits.orphanAfter.components.seconds * 1_000_000
            + limits.orphanAfter.components.attoseconds / 1_000_000_000_000
        let stale = traces.filter { now.microseconds - $0.value.lastArrival.microseconds >= limitMicros }.map(\.key)
        for t in stale.sorted() { resolve(t, givingUp: true, into: &out) }
        expireMessages(now: now, limitMicros: limitMicros)
        if pendingSpans > limits.maxPendingSpans {
            // Oldest first, sorted once (not a search of every trace per trace given up on).
            let byAge = traces.map { ($0.value.lastArrival, $0.key) }.sorted { $0 < $1 }
            for (_, id) in byAge where pendingSpans > limits.maxPendingSpans {
                resolve(id, givingUp: true, into: &out)
            }
        }
        return out
    }

    /// Gives up on every waiting trace (the monitor is stopping): nothing received is lost.
    mutating func finish() -> [Output] {
        var out: [Output] = []
        for t in traces.keys.sorted() { resolve(t, givingUp: true, into: &out) }
        return out
    }

    /// The traces with spans waiting, oldest first.
    var pendingTraces: [PendingTrace] {
        traces.map { id, t in
            var p = PendingTrace(
                traceID: id, service: t.spans.first?.value.service ?? "",
                start: t.spans.values.map(\.start).min() ?? t.lastArrival)
            for s in t.spans.values {
                switch s.role {
                case .agent: p.agents += 1
                case .tool: p.tools += 1
                case .llm: p.llmCalls += 1
                case .other: p.others += 1
                }
            }
            return p
        }.sorted { ($0.start, $0.traceID) < ($1.start, $1.traceID) }
    }

    // MARK: Resolution

    /// Sends out every span of trace `id` whose chain is complete; `givingUp` takes a
    /// missing parent as none, so every span goes.
    private mutating func resolve(_ id: String, givingUp: Bool, into out: inout [Output]) {
        guard var trace = traces[id] else { return }
        // The owner each waiting span gives its children, and its depth, when its chain is
        // complete (memoised: chains share ancestors). Walked iteratively with the chain's
        // spans remembered, so a hostile sender's 100,000-deep chain cannot overflow the
        // stack and a cycle (a span its own ancestor) cannot loop: a cycle is taken as a
        // chain with no parent, since waiting can never complete it.
        var ownerOf: [String: Owner] = [:]
        var depthOf: [String: Int] = [:]
        var unresolved: Set<String> = []
        // Spans whose parent link closed a cycle: treated as having no parent.
        var cycleRoots: Set<String> = []
        func childOwner(_ first: String) -> (Owner, Int)? {
            var path: [String] = []
            var onPath: Set<String> = []
            var current = first
            var base: (Owner, Int)?
            while true {
                if let o = ownerOf[current] {
                    base = (o, depthOf[current]!)
                    break
                }
                if unresolved.contains(current) { break }
                guard let s = trace.spans[current] else { break }
                if onPath.contains(current) {
                    // The last span walked links back into the chain: it is the cycle's top.
                    cycleRoots.insert(path[path.count - 1])
                    base = (Owner.none, 0)
                    break
                }
                onPath.insert(current)
                path.append(current)
                guard let p = s.parentSpanID else {
                    base = (Owner.none, 0)
                    break
                }
                if let o = owners[TraceAssembler.key(id, p)] {
                    base = (o, 0)
                    break
                }
                // A parent in another process (the span says its parent is remote) never
                // comes to this monitor: the chain ends here.
                if s.parentIsRemote && trace.spans[p] == nil {
                    base = (Owner.none, 0)
                    break
                }
                if trace.spans[p] != nil {
                    current = p
                    continue
                }
                if givingUp { base = (Owner.none, 0) }
                break
            }
            guard var (owner, depth) = base else {
                unresolved.formUnion(path)
                return nil
            }
            for id in path.reversed() where ownerOf[id] == nil {
                let s = trace.spans[id]!
                depth += 1
                owner = s.role == .agent ? .run(s.runID) : owner
                ownerOf[id] = owner
                depthOf[id] = depth
            }
            return ownerOf[first].map { ($0, depthOf[first]!) }
        }
        var ready: [(SpanFacts, Owner, Int)] = []
        for (spanID, s) in trace.spans {
            guard childOwner(spanID) != nil else { continue }
            // The owner of the span itself is what its parent gives.
            let own: Owner
            if let p = s.parentSpanID, !cycleRoots.contains(spanID) {
                own = owners[TraceAssembler.key(id, p)] ?? ownerOf[p] ?? .none
            } else {
                own = .none
            }
            ready.append((s, own, depthOf[spanID]!))
        }
        guard !ready.isEmpty else { return }
        for (s, _, _) in ready { trace.spans[s.spanID] = nil }
        pendingSpans -= ready.count
        if trace.spans.isEmpty { traces[id] = nil } else { traces[id] = trace }
        for (s, _, _) in ready { remember(TraceAssembler.key(id, s.spanID), ownerOf[s.spanID]!) }
        // Messages held for spans going out: a model span's call carries them, others drop them.
        var held: [String: HeldMessages] = [:]
        if !messages.isEmpty {
            for (s, _, _) in ready { if let m = takeMessages(TraceAssembler.key(id, s.spanID)) { held[s.spanID] = m } }
        }

        var events: [Pending] = []
        let traceRun = SpanFacts.traceRunID(id)
        for (s, owner, depth) in ready {
            let run: String
            switch owner {
            case .run(let r): run = r
            case .none: run = traceRun
            }
            switch s.role {
            case .agent:
                let parent: String? = if case .run(let r) = owner { r } else { nil }
                events.append(
                    Pending(s, .start, depth, runID: s.runID,
                        .runStart(inputs: s.runInputs), parent: parent, name: s.agentName))
                if let e = s.error { events.append(Pending(s, .point, depth, runID: s.runID, .error(e), at: s.end)) }
                events.append(
                    Pending(s, .end, depth, runID: s.runID, .runEnd(outputs: s.runOutputs, status: s.error == nil ? .ok : .error),
                        at: s.end))
            case .tool:
                let name = s.toolName ?? s.name
                events.append(Pending(s, .start, depth, runID: run, .toolStart(toolName: name, input: s.toolInput), call: s.spanID))
                if let e = s.error {
                    events.append(Pending(s, .end, depth, runID: run, .toolError(toolName: name, error: e), at: s.end, call: s.spanID))
                } else {
                    events.append(Pending(s, .end, depth, runID: run, .toolEnd(toolName: name, output: s.toolOutput), at: s.end, call: s.spanID))
                }
            case .llm:
                if var call = s.llm {
                    held[s.spanID]?.apply(to: &call)
                    events.append(Pending(s, .point, depth, runID: run, .llmCall(call), at: s.end, call: s.spanID))
                }
            case .other:
                break
            }
            if s.parentSpanID == nil { noteRoot(id, s) }
            // The trace's run starts with its first span; a late span after it ended joins it
            // as it is (started again, the run would move its start and count its error twice).
            if run == traceRun && (s.role == .tool || s.role == .llm) && !openTraceRuns.contains(traceRun)
                && !endedTraceRuns.contains(traceRun)
            {
                openTraceRuns.insert(traceRun)
                events.append(Pending(s, .start, 0, runID: traceRun, .runStart(inputs: [:])))
            }
        }
        // A trace run whose root has gone out ends with it (now, or when the root came first).
        // Given up on with no root in sight (a remote or lost root), it ends with its last span.
        let rootEnd = rootEnds[id] ?? (givingUp && traces[id] == nil ? (events.map(\.at).max() ?? ready[0].0.end, nil) : nil)
        if openTraceRuns.contains(traceRun), let (end, error) = rootEnd {
            openTraceRuns.remove(traceRun)
            noteEnded(traceRun)
            let last = events.map(\.at).max() ?? end
            let at = max(end, last)
            let service = ready[0].0.service
            if let error { events.append(Pending(service: service, .point, 0, runID: traceRun, .error(error), at: at)) }
            events.append(
                Pending(service: service, .end, 0, runID: traceRun, .runEnd(outputs: [:], status: error == nil ? .ok : .error), at: at))
        }
        // The trace run starts with the earliest start among its spans in this batch.
        if let i = events.firstIndex(where: { $0.runID == traceRun && $0.phase == .start && $0.depth == 0 }) {
            let first = ready.filter { if case .none = $0.1 { $0.0.role == .tool || $0.0.role == .llm } else { false } }
                .map(\.0.start).min()
            if let first, first < events[i].at { events[i].at = first }
        }
        events.sort()
        for p in events {
            seq &+= 1
            out.append(
                Output(
                    service: p.service,
                    event: TelemetryEvent(
                        seq: seq, timestamp: p.at, runID: p.runID, parentRunID: p.parent, callID: p.call,
                        runName: p.name, payload: p.payload)))
        }
    }

    private mutating func noteRoot(_ trace: String, _ s: SpanFacts) {
        if rootEnds[trace] == nil { rootOrder.append(trace) }
        rootEnds[trace] = (s.end, s.role == .agent ? nil : s.error)
        while rootOrder.count > limits.maxRemembered, let old = rootOrder.popFirst() { rootEnds[old] = nil }
    }

    private mutating func noteEnded(_ traceRun: String) {
        if endedTraceRuns.insert(traceRun).inserted { endedOrder.append(traceRun) }
        while endedOrder.count > limits.maxRemembered, let old = endedOrder.popFirst() { endedTraceRuns.remove(old) }
    }

    /// The key of a span among those gone out: span ids are unique only within a trace.
    private static func key(_ trace: String, _ span: String) -> String { trace + "/" + span }

    private mutating func remember(_ spanID: String, _ owner: Owner) {
        owners[spanID] = owner
        ownerOrder.append(spanID)
        while ownerOrder.count > limits.maxRemembered, let old = ownerOrder.popFirst() { owners[old] = nil }
    }
}

/// An event before its sequence number: sorted by time, then starts before points before
/// ends, outer spans starting first and ending last.
private struct Pending: Comparable {
    enum Phase: Int { case start = 0, point = 1, end = 2 }
    var service: String
    var phase: Phase
    var depth: Int
    var at: Timestamp
    var runID: String
    var payload: TelemetryEvent.Payload
    var parent: String?
    var name: String?
    var call: String?
    /// Ties broken by the span's id, so the order never depends on dictionary order.
    var tie: String

    init(
        _ s: SpanFacts, _ phase: Phase, _ depth: Int, runID: String, _ payload: TelemetryEvent.Payload,
        at: Timestamp? = nil, parent: String? = nil, name: String? = nil, call: String? = nil
    ) {
        self.init(service: s.service, phase, depth, runID: runID, payload, at: at ?? s.start, parent: parent, name: name, call: call)
        self.tie = s.spanID
    }

    init(
        service: String, _ phase: Phase, _ depth: Int, runID: String, _ payload: TelemetryEvent.Payload, at: Timestamp,
        parent: String? = nil, name: String? = nil, call: String? = nil
    ) {
        self.service = service
        self.phase = phase
        self.depth = depth
        self.at = at
        self.runID = runID
        self.payload = payload
        self.parent = parent
        self.name = name
        self.call = call
        self.tie = ""
    }

    private var key: (Int64, Int, Int, String) {
        (at.microseconds, phase.rawValue, phase == .end ? -depth : depth, tie)
    }

    static func < (l: Pending, r: Pending) -> Bool { l.key < r.key }
    static func == (l: Pending, r: Pending) -> Bool { l.key == r.key }
}
