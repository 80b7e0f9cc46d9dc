import CharmTelemetry
import CharmWire

/// Everything the monitor knows, as one value: runs as a tree, tool calls, errors, the log,
/// sources and counters.
///
/// A value type, applied to in place under the engine's lock. Every update is O(1)
/// amortised per event: runs and tool calls are found through dictionaries, never by
/// scanning; what a frame reads every time (the running count, the calls total, the
/// flattened run tree) is kept up to date as runs change, so a frame never passes over
/// every run. A copy (a pause, a test) is cheap until the original next changes — and then
/// that change copies what it touches, which is why the front end reads a small
/// `UIFrame` under the lock instead of copying the model every frame.
package struct MonitorModel: Sendable {
    /// What is kept.
    package let limits: RetentionLimits
    /// What LLM calls cost: the shipped table, or the user's over it.
    package var prices: PriceTable = .builtin
    /// OTLP traces whose spans wait for their agent, oldest first (placeholders).
    package private(set) var pendingTraces: [PendingTrace] = []

    /// Replaces the placeholders (the OTLP receiver reports them about once a second).
    package mutating func setPendingTraces(_ traces: [PendingTrace]) {
        guard traces != pendingTraces else { return }
        generation &+= 1
        pendingTraces = traces
    }
    /// Runs by id.
    package internal(set) var runs: [String: MonitorRun] = [:]
    /// Problems of every kind, oldest first (bounded by `limits.maxErrors`).
    package private(set) var errors: BoundedBuffer<MonitorErrorEntry>
    /// Raw prints, `thinking` and `status` lines, oldest first (bounded by `limits.maxLogLines`).
    package private(set) var log: BoundedBuffer<LogEntry>
    /// Sources by id.
    package internal(set) var sources: [SourceID: MonitorSource] = [:]
    /// Source ids in order of first appearance; may hold ids of pruned listener connections
    /// until it is compacted (see `orderedSources`).
    package internal(set) var sourceOrder: [SourceID] = []
    /// Totals.
    package internal(set) var counters = MonitorCounters()
    /// Events per second, by receive time.
    package private(set) var eventRate = RateWindow(seconds: 5)
    /// Moves on every change, so a view that drew this generation knows nothing changed
    /// since (only the clock and running durations move on their own).
    package internal(set) var generation: UInt64 = 0
    /// Runs kept whose status is running, kept up to date as runs change: the header shows
    /// it every frame, and counting it there would cost a pass over every run.
    package internal(set) var runningRuns = 0
    /// Tool calls started in the runs kept (the sum of their `toolCallCount`), kept up to
    /// date as runs change, for the same reason.
    package internal(set) var keptToolCalls = 0
    /// Statistics by tool name, across every run seen (evicted runs included).
    package internal(set) var toolStats: [String: ToolStats] = [:]
    /// The loop, stall, error-storm and budget detectors, and what they remember per run.
    package internal(set) var detectors = Detectors()
    /// What the detectors found, oldest first (bounded by `limits.maxErrors`; every one
    /// is also counted in `counters.findings`).
    package internal(set) var findings: BoundedBuffer<Finding>

    /// The run tree flattened, as of the last `refreshRunTree()`; `treeStale` once runs
    /// were added, removed or moved since.
    private var treeCache: [RunTreeRow] = []
    private var treeStale = false

    /// Run ids with their `order`, in order of first appearance; entries of evicted runs are
    /// skipped when read and compacted away now and then.
    private var runOrder: [(id: String, order: UInt64)] = []
    private var staleOrderEntries = 0
    private var nextOrder: UInt64 = 0
    /// Finished runs in the order they finished: eviction candidates, oldest first.
    private var finishedQueue: [(id: String, order: UInt64)] = []
    private var finishedHead = 0
    /// Where the fallback eviction (no finished run left) resumes in `runOrder`.
    private var runOrderHead = 0
    /// Children whose parent has not arrived yet, by parent id.
    private var pendingChildren: [String: [String]] = [:]

    /// An empty model.
    package init(limits: RetentionLimits = .standard) {
        self.limits = limits
        self.errors = BoundedBuffer(capacity: limits.maxErrors)
        self.log = BoundedBuffer(capacity: limits.maxLogLines)
        self.findings = BoundedBuffer(capacity: limits.maxErrors)
    }

    // MARK: Reading

    /// Runs in order of first appearance.
    package var orderedRuns: [MonitorRun] {
        var out: [MonitorRun] = []
        out.reserveCapacity(runs.count)
        for e in runOrder { if let r = runs[e.id], r.order == e.order { out.append(r) } }
        return out
    }

    /// Runs with no parent, or whose parent is not (or no longer) known, in order of first
    /// appearance: the roots of the run tree.
    package var rootRuns: [MonitorRun] {
        orderedRuns.filter { r in r.parentID.map { runs[$0] == nil } ?? true }
    }

    /// The run with id `id`.
    package func run(_ id: String) -> MonitorRun? { runs[id] }

    /// The run tree flattened depth-first, children under their parent in order of first
    /// appearance, roots (runs whose parent is not known) in order of first appearance.
    /// Cached: rebuilt by `refreshRunTree()` only after runs were added, removed or moved,
    /// so a frame reads it without a pass over every run; while stale it is built on the fly.
    package var runTree: [RunTreeRow] { treeStale ? buildRunTree() : treeCache }

    /// Rebuilds the cached `runTree` if runs were added, removed or moved since it was
    /// built. The front end calls it under the engine's lock before reading a frame.
    package mutating func refreshRunTree() {
        guard treeStale else { return }
        treeCache = buildRunTree()
        treeStale = false
    }

    private func buildRunTree() -> [RunTreeRow] {
        var rows: [RunTreeRow] = []
        rows.reserveCapacity(runs.count)
        var roots: [String] = []
        for e in runOrder {
            guard let i = runs.index(forKey: e.id), runs.values[i].order == e.order else { continue }
            if let parent = runs.values[i].parentID, runs.index(forKey: parent) != nil { continue }
            roots.append(e.id)
        }
        var stack: [(id: String, depth: Int)] = roots.reversed().map { ($0, 0) }
        var visited = Set<String>()
        while let item = stack.popLast() {
            let (id, depth) = item
            guard visited.insert(id).inserted, let i = runs.index(forKey: id) else { continue }
            rows.append(RunTreeRow(id: id, depth: depth, order: runs.values[i].order))
            for child in runs.values[i].children.reversed() where runs.index(forKey: child) != nil {
                stack.append((child, depth + 1))
            }
        }
        return rows
    }

    /// The children of `id`, in order of first appearance.
    package func children(of id: String) -> [MonitorRun] {
        runs[id]?.children.compactMap { runs[$0] } ?? []
    }

    /// Sources in order of first appearance (ended listener connections are folded into
    /// their listener's totals and no longer listed; see `MonitorSource.connections`).
    package var orderedSources: [MonitorSource] { orderedSourceEntries() }

    /// Events per second over the last few seconds.
    package func eventsPerSecond(now: Timestamp) -> Double { eventRate.rate(now: now) }

    // MARK: Records

    /// Applies one decoded line from `source`, received at `at`.
    package mutating func apply(_ record: DecodedRecord, source: SourceID, at: Timestamp) {
        generation &+= 1
        switch record {
        case .event(let e):
            counters.events += 1
            eventRate.add(at: at)
            switch e.type {
            case "thinking":
                let text = e.contentText
                if !MonitorModel.isHeartbeat(content: text) { appendLog(.thinking, text, source: source, at: at) }
            case "status": appendLog(.status, e.contentText, source: source, at: at)
            default: break
            }
            if let issue = e.telemetryIssue {
                addError(MonitorErrorEntry(at: at, kind: .telemetry, source: source, message: issue))
            }
            e.hookEvents.forEach { apply($0, source: source, at: at) }
            if e.hookEvents.isEmpty || !e.isStructured { applyRunnerEvent(e, source: source, at: at) }
        case .malformed(let m):
            counters.malformed += 1
            addError(
                MonitorErrorEntry(
                    at: at, kind: .malformed, source: source, message: m.reason, preview: m.preview, line: m.line))
        case .raw(let text):
            counters.rawLines += 1
            appendLog(.raw, text, source: source, at: at)
        case .oversized(let bytes, let line):
            counters.oversized += 1
            addError(
                MonitorErrorEntry(
                    at: at, kind: .oversized, source: source, message: "line of \(bytes) bytes skipped", line: line))
        }
        if let i = sources.index(forKey: source) { sources.values[i].records += 1 } else { noteSource(source, at: at) }
    }

    /// Applies an event that came as itself rather than as a line (an OTLP span made into
    /// events): counted as an event of `source`, then applied as its hook.
    package mutating func applyReceived(_ event: TelemetryEvent, source: SourceID, at: Timestamp) {
        counters.events += 1
        eventRate.add(at: at)
        apply(event, source: source, at: at)
        if let i = sources.index(forKey: source) { sources.values[i].records += 1 } else { noteSource(source, at: at) }
    }

    /// Applies a batch of records from one source.
    package mutating func apply(_ records: [DecodedRecord], source: SourceID, at: Timestamp) {
        for r in records { apply(r, source: source, at: at) }
    }

    /// Records a source's new state; a failure becomes an error entry.
    package mutating func setSourceState(_ source: SourceID, _ state: SourceState, error: String? = nil, at: Timestamp) {
        generation &+= 1
        if sources[source] == nil { noteSource(source, at: at, records: 0) }
        sources[source]!.state = state
        sources[source]!.since = at
        if let error {
            sources[source]!.lastError = error
            addError(MonitorErrorEntry(at: at, kind: .source, source: source, message: error))
        }
        if state == .ended || state == .failed { foldEndedConnection(source) }
    }

    /// Gives `body` the run dictionary to mutate in place.
    mutating func withRuns(_ body: (inout [String: MonitorRun]) -> Void) { body(&runs) }

    /// Counts records lost before they reached the model.
    package mutating func noteDropped(_ n: Int) {
        generation &+= 1
        counters.dropped += n
    }

    /// Records an exporter problem (a failure, a missing secret, an unknown name).
    package mutating func addExporterError(_ message: String, at: Timestamp) {
        generation &+= 1
        addError(MonitorErrorEntry(at: at, kind: .exporter, message: message))
    }

    private mutating func noteSource(_ source: SourceID, at: Timestamp, records: Int = 1) {
        sources[source] = MonitorSource(id: source, state: .open, since: at, records: records)
        sourceOrder.append(source)
        countConnection(source)
    }

    /// Adds a line made from a log record received over OTLP (bounded as every log line is).
    package mutating func appendReceivedLog(_ text: String, source: SourceID, at: Timestamp) {
        generation &+= 1
        counters.otlpLogLines += 1
        appendLog(.otlp, text, source: source, at: at)
    }

    private mutating func appendLog(_ kind: LogEntry.Kind, _ text: String, source: SourceID, at: Timestamp) {
        log.append(LogEntry(at: at, source: source, kind: kind, text: MonitorModel.cut(text, limits.maxEntryBytes)))
    }

    mutating func addError(_ e: MonitorErrorEntry) {
        counters.errors += 1
        appendError(e)
    }

    /// Lists `e` in the errors pane (cut to the limits) without counting it as an error.
    mutating func appendError(_ e: MonitorErrorEntry) {
        var e = e
        e.message = MonitorModel.cut(e.message, limits.maxEntryBytes)
        e.preview = e.preview.map { MonitorModel.cut($0, limits.maxEntryBytes) }
        errors.append(e)
    }

    // MARK: Runs

    /// The run `id`, created (and its waiting children adopted) if new.
    mutating func ensureRun(_ id: String, source: SourceID, at: Timestamp) {
        guard runs[id] == nil else { return }
        nextOrder += 1
        var run = MonitorRun(id: id, source: source, order: nextOrder, start: at)
        if let waiting = pendingChildren.removeValue(forKey: id) {
            run.children = waiting.filter { runs[$0]?.parentID == id }
                .sorted { (runs[$0]?.order ?? 0) < (runs[$1]?.order ?? 0) }
        }
        runs[id] = run
        runningRuns += 1
        treeStale = true
        runOrder.append((id, nextOrder))
        if runs.count > limits.maxRuns { evictOneRun(sparing: id) }
    }

    /// Sets `child`'s parent, moving it in the tree; ignored if it would make a cycle.
    mutating func setParent(_ child: String, _ parent: String?) {
        guard let old = runs[child]?.parentID, old == parent else {
            if let parent, createsCycle(child: child, parent: parent) { return }
            treeStale = true
            detachFromParent(child)
            runs[child]!.parentID = parent
            if let parent {
                if runs[parent] != nil {
                    runs[parent]!.children.append(child)
                } else {
                    pendingChildren[parent, default: []].append(child)
                }
            }
            return
        }
    }

    private func createsCycle(child: String, parent: String) -> Bool {
        var p: String? = parent
        var depth = 0
        while let cur = p, depth < 1_000 {
            if cur == child { return true }
            p = runs[cur]?.parentID
            depth += 1
        }
        return false
    }

    private mutating func detachFromParent(_ child: String) {
        guard let old = runs[child]?.parentID else { return }
        if runs[old] != nil {
            runs[old]!.children.removeAll { $0 == child }
        } else if var list = pendingChildren[old] {
            list.removeAll { $0 == child }
            pendingChildren[old] = list.isEmpty ? nil : list
        }
    }

    /// Queues a run that just finished as an eviction candidate.
    mutating func noteFinished(_ id: String) {
        guard let r = runs[id] else { return }
        finishedQueue.append((id, r.order))
    }

    /// Evicts the oldest finished run, or failing that the oldest run other than `sparing`.
    private mutating func evictOneRun(sparing: String) {
        while finishedHead < finishedQueue.count {
            let c = finishedQueue[finishedHead]
            finishedHead += 1
            if let r = runs[c.id], r.order == c.order, r.isFinished, c.id != sparing {
                removeRun(c.id)
                compactQueues()
                return
            }
        }
        while runOrderHead < runOrder.count {
            let c = runOrder[runOrderHead]
            runOrderHead += 1
            if let r = runs[c.id], r.order == c.order, c.id != sparing {
                removeRun(c.id)
                compactQueues()
                return
            }
        }
    }

    private mutating func removeRun(_ id: String) {
        detachFromParent(id)
        guard let r = runs.removeValue(forKey: id) else { return }
        detectors.watched.remove(id)
        treeStale = true
        if r.status == .running { runningRuns -= 1 }
        keptToolCalls -= r.toolCallCount
        // Its children stay, shown as roots until (unless) the parent comes back.
        for c in r.children where runs[c] != nil { pendingChildren[id, default: []].append(c) }
        counters.evictedRuns += 1
        staleOrderEntries += 1
    }

    /// Drops consumed and stale queue entries once they outnumber the live ones.
    private mutating func compactQueues() {
        if finishedHead > 1_024 && finishedHead * 2 > finishedQueue.count {
            finishedQueue.removeFirst(finishedHead)
            finishedHead = 0
        }
        if staleOrderEntries > 1_024 && staleOrderEntries * 2 > runOrder.count {
            let live = runs
            runOrder.removeAll { e in live[e.id]?.order != e.order }
            staleOrderEntries = 0
            runOrderHead = 0
        }
    }
}
