import CharmMonitorCore
import CharmTelemetry
import CharmWire
import Foundation
import GRDB

/// The writer thread's side of a recording: writes batches of entries into `events` and
/// keeps the derived tables (`runs`, `tool_calls`, `llm_calls`, `errors`, `search`) in step,
/// from a model of its own that every entry is replayed into — the same replay `open` does,
/// so what the tables say is what the monitor showed. Used from the writer thread only.
final class SessionWriter {
    let db: DatabaseQueue
    let sessionID: Int64
    let scrubber: SecretScrubber
    /// The cap on the database's size in bytes; the oldest other sessions go first.
    let maxBytes: Int64
    /// A session whose heartbeat is older than this (µs) is taken as no longer recording.
    static let staleAfter: Int64 = 60_000_000
    /// How often an idle writer stores its heartbeat.
    static let heartbeatInterval: TimeInterval = 15

    /// The session's model, replayed entry by entry (the derived tables are read from it).
    private var model: MonitorModel
    /// Runs changed since the last flush, by the model's (bounded) id.
    private var dirtyRuns = Set<String>()
    /// Per run: tool calls written up to (absolute index), and the calls running then.
    private var callMarks: [String: (written: Int, open: [Int])] = [:]
    /// Runs whose token text is in `search` already.
    private var indexedText = Set<String>()
    private var runsSeen = Set<String>()
    private var sourcesSeen: [String] = []
    private var sourceNames: [SourceID: String] = [:]
    private var counts = (events: 0, toolCalls: 0, llmCalls: 0, errors: 0)
    private var firstEventID: Int64?
    private var lastEventID: Int64?
    private var bytesSinceSizeCheck = 0
    private var lastSource: (id: SourceID, name: String) = (SourceID(""), "")
    private var lastRunID: (raw: String, stored: String) = ("", "")
    private var runIDs: [String: String] = [:]
    private var toolDoc: [String] = []
    private var toolDocRange: (lo: Int, hi: Int)?
    private var lastTouched = ""
    private var names: [String: String] = [:]

    /// Starts a session: prunes old sessions if the database is over its cap, then inserts
    /// the session's row.
    init(
        db: DatabaseQueue, command: String, limits: RetentionLimits, prices: PriceTable, scrubber: SecretScrubber,
        maxBytes: Int64, at start: Timestamp
    ) throws {
        self.db = db
        self.scrubber = scrubber
        self.maxBytes = maxBytes
        var m = MonitorModel(limits: limits)
        m.prices = prices
        self.model = m
        let limitsJSON = JSONWriter.compact(SessionStore.json(limits))
        let pricesJSON = JSONWriter.compact(SessionStore.json(prices))
        let command = scrubber.scrub(command)
        sessionID = try db.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (started_at, started_us, command, limits, prices, heartbeat_us, pid)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [start.rfc3339, start.microseconds, command, limitsJSON, pricesJSON, start.microseconds, Int64(getpid())])
            return db.lastInsertedRowID
        }
        try pruneIfNeeded()
    }

    // MARK: Batches

    /// Consecutive decoded lines from one source received together (one ingest batch),
    /// written as one `events` row: NDJSON in `data`, a `meta` per line when any needs one.
    /// A row per line cost SQLite more than everything else the writer does.
    private struct LineChunk {
        var source = SourceID("")
        var at = Timestamp(microseconds: 0)
        var data: [UInt8] = []
        var metas: [JSONObject?] = []
        var anyMeta = false
        var type: String?
        var runID: String?
        var mixed = false
        var count: Int { metas.count }
    }
    private var chunk = LineChunk()
    static let maxChunkLines = 256

    /// Writes `batches` in one transaction.
    func write(_ batches: [[RecordedEntry]]) throws {
        try db.inTransaction { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO events (session_id, at_us, source, kind, n, type, run_id, data, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for batch in batches {
                // Borrowed from the batch, never copied into a loop variable (a retain and
                // release of every string in the record).
                try batch.withUnsafeBufferPointer { buf in
                    for i in buf.indices { try write(buf[i], insert: insert, db) }
                }
            }
            try flushChunk(insert, db)
            try flushDerived(db, closing: false)
            try updateSessionRow(db)
            return .commit
        }
        if bytesSinceSizeCheck > 32 << 20 {
            bytesSinceSizeCheck = 0
            try pruneIfNeeded()
        }
    }

    private func write(_ entry: RecordedEntry, insert: Statement, _ db: Database) throws {
        let errorsBefore = model.counters.errors
        model.replay(entry)
        switch entry.change {
        case .record(let r):
            if case .event(let e) = r {
                for h in e.hookEvents { try touched(h, db) }
                if chunk.count > 0 && (chunk.count >= SessionWriter.maxChunkLines || chunk.source != entry.source || chunk.at != entry.at) {
                    try flushChunk(insert, db)
                }
                if chunk.count == 0 {
                    chunk.source = entry.source
                    chunk.at = entry.at
                    chunk.type = e.type
                    chunk.runID = e.hookEvents.first?.runID
                    chunk.mixed = false
                } else {
                    chunk.data.append(0x0A)
                    if !chunk.mixed && (chunk.type != e.type || chunk.runID != e.hookEvents.first?.runID) { chunk.mixed = true }
                }
                let meta = EntryCodec.appendLine(e, to: &chunk.data)
                chunk.metas.append(meta)
                if meta != nil { chunk.anyMeta = true }
                let newErrors = model.counters.errors - errorsBefore
                if newErrors > 0 { try writeErrors(min(newErrors, model.errors.count), db) }
                return
            }
        case .received(let h): try touched(h, db)
        case .unfinished: for id in model.runs.keys { dirtyRuns.insert(id) }
        default: break
        }
        let newErrors = model.counters.errors - errorsBefore
        if newErrors > 0 { try writeErrors(min(newErrors, model.errors.count), db) }
        try flushChunk(insert, db)
        let row = EntryCodec.encode(entry)
        try insertRow(
            insert, db, at: entry.at, source: entry.source, kind: row.kind, n: 1, type: row.type, runID: row.runID,
            data: row.data, meta: row.meta)
    }

    /// Writes the pending lines as one row.
    private func flushChunk(_ insert: Statement, _ db: Database) throws {
        guard chunk.count > 0 else { return }
        var meta: [UInt8]?
        if chunk.anyMeta {
            var out: [UInt8] = []
            if chunk.count == 1, let m = chunk.metas[0] {
                JSONWriter.writeObject(m, into: &out, style: .compact)
            } else {
                JSONWriter.write(.array(chunk.metas.map { $0.map(JSONValue.object) ?? .null }), into: &out, style: .compact)
            }
            meta = out
        }
        try insertRow(
            insert, db, at: chunk.at, source: chunk.source, kind: "line", n: chunk.count, type: chunk.mixed ? nil : chunk.type,
            runID: chunk.mixed ? nil : chunk.runID, data: chunk.data, meta: meta)
        chunk.data.removeAll(keepingCapacity: true)
        chunk.metas.removeAll(keepingCapacity: true)
        chunk.anyMeta = false
    }

    private func insertRow(
        _ insert: Statement, _ db: Database, at: Timestamp, source: SourceID, kind: StaticString, n: Int, type: String?,
        runID: String?, data: [UInt8]?, meta: [UInt8]?
    ) throws {
        if source != lastSource.id {
            lastSource = (source, sourceName(source))
        }
        insert.bind(1, sessionID)
        insert.bind(2, at.microseconds)
        insert.bind(3, lastSource.name)
        insert.bind(4, kind)
        insert.bind(5, n)
        insert.bind(6, type.map(scrubbedName))
        insert.bind(7, runID.map(scrubbedRunID))
        insert.bind(8, bytes: Self.textKinds.contains(kind.description) ? scrubbed(data) : scrubbedJSON(data))
        insert.bind(9, bytes: scrubbedJSON(meta))
        try insert.stepAndReset(db)
        let id = db.lastInsertedRowID
        if firstEventID == nil { firstEventID = id }
        lastEventID = id
        counts.events += n
        bytesSinceSizeCheck += (data?.count ?? 0) + 48
    }

    /// A run id as stored, scrubbed once per run rather than once per row.
    private func scrubbedRunID(_ id: String) -> String {
        if id == lastRunID.raw { return lastRunID.stored }
        let stored = runIDs[id] ?? {
            let s = scrubber.scrub(id)
            if runIDs.count < 100_000 { runIDs[id] = s }
            return s
        }()
        lastRunID = (id, stored)
        return stored
    }

    private func scrubbed(_ bytes: [UInt8]?) -> [UInt8]? {
        guard let bytes else { return nil }
        return bytes.withUnsafeBufferPointer { scrubber.scrubbed($0) } ?? bytes
    }

    /// Kinds whose `data` is text rather than JSON (see `EntryCodec.encode`).
    private static let textKinds: Set<String> = ["raw", "log", "dropped", "exporter_error"]

    /// JSON scrubbed inside its strings only, so a replacement never makes it unreadable.
    private func scrubbedJSON(_ bytes: [UInt8]?) -> [UInt8]? {
        guard let bytes else { return nil }
        return bytes.withUnsafeBufferPointer { scrubber.scrubbedJSON($0) } ?? bytes
    }

    /// A short free-form name (a line's type, a tool's name, a model, a provider) as stored,
    /// scrubbed once per distinct value.
    private func scrubbedName(_ name: String) -> String {
        if let s = names[name] { return s }
        let s = scrubber.scrub(name)
        if names.count < 10_000 { names[name] = s }
        return s
    }

    /// The stored name of `source` (scrubbed: an SSE URL may carry a token), noted in the
    /// session's list of sources the first time.
    private func sourceName(_ source: SourceID) -> String {
        if let n = sourceNames[source] { return n }
        let n = scrubber.scrub(source.name)
        sourceNames[source] = n
        if !n.isEmpty && !sourcesSeen.contains(n) { sourcesSeen.append(n) }
        return n
    }

    /// Notes the run a hook event changed; an LLM call is written at once (it arrives whole).
    private func touched(_ h: TelemetryEvent, _ db: Database) throws {
        let isLLM: Bool
        if case .llmCall = h.payload { isLLM = true } else { isLLM = false }
        // Runs of events of one run are the common case (a token stream): one comparison.
        if !isLLM && h.runID == lastTouched { return }
        let id = MonitorModel.boundedName(h.runID, model.limits.maxNameBytes)
        dirtyRuns.insert(id)
        lastTouched = h.runID
        guard isLLM, let r = model.runs[id] else { return }
        let wanted = h.callID.map { MonitorModel.boundedName($0, model.limits.maxNameBytes) } ?? "llm-\(r.llmCallCount)"
        guard let c = r.llmCalls.last(where: { $0.callID == wanted }) else { return }
        let st = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO llm_calls (session_id, run_id, ordinal, call_id, model, provider, operation, status,
                input_tokens, output_tokens, cost_usd, started_us, ended_us, duration_ms, input_messages, output_messages, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let runID = scrubber.scrub(id)
        st.bind(1, sessionID)
        st.bind(2, runID)
        st.bind(3, r.llmCallCount)
        st.bind(4, scrubber.scrub(c.callID))
        st.bind(5, c.call.model.map(scrubbedName))
        st.bind(6, c.call.provider.map(scrubbedName))
        st.bind(7, c.call.operation.map(scrubbedName))
        st.bind(8, c.status.rawValue)
        st.bind(9, c.call.inputTokens)
        st.bind(10, c.call.outputTokens)
        st.bind(11, model.prices.cost(of: c.call))
        st.bind(12, c.start.microseconds)
        st.bind(13, c.end.microseconds)
        st.bind(14, (c.duration * 1_000_000).rounded() / 1_000)
        let input = c.call.inputMessages.map(scrubber.scrub)
        let output = c.call.outputMessages.map(scrubber.scrub)
        let error = c.call.error.map { scrubber.scrub(Self.describe($0)) }
        st.bind(15, input)
        st.bind(16, output)
        st.bind(17, error)
        try st.stepAndReset(db)
        counts.llmCalls += 1
        let body = [input, output, error].compactMap { $0 }.joined(separator: "\n")
        if !body.isEmpty { try index(body, kind: "llm", runID: runID, callID: scrubber.scrub(c.callID), db) }
    }

    /// Writes the model's `n` newest error entries.
    private func writeErrors(_ n: Int, _ db: Database) throws {
        let st = try db.cachedStatement(sql: """
            INSERT INTO errors (session_id, at_us, kind, source, run_id, call_id, message) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let all = model.errors
        for e in all.suffix(n) {
            let message = scrubber.scrub(e.message)
            let runID = e.runID.map(scrubber.scrub)
            let callID = e.callID.map(scrubber.scrub)
            st.bind(1, sessionID)
            st.bind(2, e.at.microseconds)
            st.bind(3, e.kind.rawValue)
            st.bind(4, e.source.map { sourceName($0) })
            st.bind(5, runID)
            st.bind(6, callID)
            st.bind(7, message)
            try st.stepAndReset(db)
            counts.errors += 1
            try index(message, kind: "error", runID: runID, callID: callID, db)
        }
    }

    private func index(
        _ body: String, kind: StaticString, runID: String?, callID: String?, _ db: Database, ordinals: (lo: Int, hi: Int)? = nil
    ) throws {
        let st = try db.cachedStatement(sql: """
            INSERT INTO search (body, session_id, run_id, call_id, kind, first_ordinal, last_ordinal) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        st.bind(1, body)
        st.bind(2, sessionID)
        st.bind(3, runID)
        st.bind(4, callID)
        st.bind(5, kind)
        st.bind(6, ordinals?.lo)
        st.bind(7, ordinals?.hi)
        try st.stepAndReset(db)
    }

    /// An error as the tables store it: the form a live comparison gives it too, so a
    /// recorded run and a marked live one compare alike.
    static func describe(_ e: TelemetryError) -> String { ComparableCall.describe(e) }

    // MARK: Derived tables

    /// Upserts every run changed since the last flush and its changed tool calls; indexes
    /// the calls that ended, and the token text of runs that ended (all of it when closing).
    private func flushDerived(_ db: Database, closing: Bool) throws {
        let runSt = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO runs (session_id, run_id, parent_run_id, name, source, status, started_us, ended_us,
                duration_ms, tokens, input_tokens, output_tokens, cost_usd, tool_calls, llm_calls, errors)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let callSt = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO tool_calls (session_id, run_id, ordinal, call_id, tool_name, status, input, output, error,
                started_us, ended_us, duration_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let ids = closing ? Set(model.runs.keys).union(dirtyRuns) : dirtyRuns
        dirtyRuns.removeAll(keepingCapacity: true)
        lastTouched = ""
        for id in ids {
            guard let r = model.runs[id] else { continue }
            let runID = scrubber.scrub(id)
            runsSeen.insert(id)
            let status = r.isUnfinished && r.status != .error ? "unfinished" : r.status.rawValue
            runSt.bind(1, sessionID)
            runSt.bind(2, runID)
            runSt.bind(3, r.parentID.map(scrubber.scrub))
            runSt.bind(4, r.name.map(scrubber.scrub))
            runSt.bind(5, sourceName(r.source))
            runSt.bind(6, status)
            runSt.bind(7, r.start.microseconds)
            runSt.bind(8, r.end?.microseconds)
            runSt.bind(9, r.end.map { (max(0, $0.seconds(since: r.start)) * 1_000_000).rounded() / 1_000 })
            runSt.bind(10, r.tokenCount)
            runSt.bind(11, r.llmCallCount == 0 ? 0 : r.inputTokens)
            runSt.bind(12, r.llmCallCount == 0 ? 0 : r.outputTokens)
            runSt.bind(13, r.cost)
            runSt.bind(14, r.toolCallCount)
            runSt.bind(15, r.llmCallCount)
            runSt.bind(16, r.errorCount)
            try runSt.stepAndReset(db)

            let mark = callMarks[id] ?? (written: 0, open: [])
            let first = r.evictedToolCalls
            let total = first + r.toolCalls.count
            var candidates = mark.open
            if mark.written < total { candidates.append(contentsOf: max(mark.written, first)..<total) }
            for abs in candidates where abs >= first && abs < total {
                let c = r.toolCalls[abs - first]
                let input = scrubber.scrub(c.input)
                let output = c.output.map(scrubber.scrub)
                let error = c.error.map { scrubber.scrub(Self.describe($0)) }
                callSt.bind(1, sessionID)
                callSt.bind(2, runID)
                callSt.bind(3, abs)
                callSt.bind(4, scrubber.scrub(c.callID))
                let toolName = scrubbedName(c.toolName)
                callSt.bind(5, toolName)
                callSt.bind(6, c.status.rawValue)
                callSt.bind(7, input)
                callSt.bind(8, output)
                callSt.bind(9, error)
                callSt.bind(10, c.start.microseconds)
                callSt.bind(11, c.end?.microseconds)
                callSt.bind(12, c.duration.map { ($0 * 1_000_000).rounded() / 1_000 })
                try callSt.stepAndReset(db)
                if abs >= mark.written { counts.toolCalls += 1 }
                if c.status != .running || closing {
                    let body = [toolName, input, output, error].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")
                    toolDoc.append(body)
                    toolDocRange = (min(toolDocRange?.lo ?? abs, abs), max(toolDocRange?.hi ?? abs, abs))
                }
            }
            // The calls that ended since the last flush, one document: FTS5 pays per document
            // far more than per word (100 calls in one cost a tenth of 100 documents); the
            // search finds the very call again in `tool_calls` by its ordinal range.
            if let range = toolDocRange {
                try index(toolDoc.joined(separator: "\n\u{1E}\n"), kind: "tool", runID: runID, callID: nil, db, ordinals: range)
                toolDoc.removeAll(keepingCapacity: true)
                toolDocRange = nil
            }
            callMarks[id] = (written: total, open: closing ? [] : r.openCallIndexes)

            if (r.isFinished || r.endStatus != nil || closing) && !r.text.isEmpty && !indexedText.contains(id) {
                indexedText.insert(id)
                try index(scrubber.scrub(r.text), kind: "text", runID: runID, callID: nil, db)
            }
        }
    }

    private func updateSessionRow(_ db: Database) throws {
        let st = try db.cachedStatement(sql: """
            UPDATE sessions SET sources = ?, events = ?, runs = ?, tool_calls = ?, llm_calls = ?, errors = ?,
                first_event_id = ?, last_event_id = ?, heartbeat_us = ? WHERE id = ?
            """)
        st.bind(1, sourcesSeen.joined(separator: ","))
        st.bind(2, counts.events)
        st.bind(3, runsSeen.count)
        st.bind(4, counts.toolCalls)
        st.bind(5, counts.llmCalls)
        st.bind(6, counts.errors)
        st.bind(7, firstEventID)
        st.bind(8, lastEventID)
        st.bind(9, Timestamp.now().microseconds)
        st.bind(10, sessionID)
        try st.stepAndReset(db)
        lastHeartbeat = Date()
    }

    /// When the session's heartbeat was last stored.
    private(set) var lastHeartbeat = Date()

    /// Stores the heartbeat alone (an idle writer commits nothing else), so other monitors
    /// see this session is alive.
    func heartbeat() throws {
        try db.write { db in
            try db.execute(sql: "UPDATE sessions SET heartbeat_us = ? WHERE id = ?", arguments: [Timestamp.now().microseconds, sessionID])
        }
        lastHeartbeat = Date()
    }

    // MARK: Ending

    /// Ends the session: indexes what is still open, and stores the end time, what was lost
    /// and the exporters' summary (so `open --headless` prints the summary the session had).
    func close(lost: Int, exporters: JSONValue?, at end: Timestamp) throws {
        try db.inTransaction { db in
            try flushDerived(db, closing: true)
            try updateSessionRow(db)
            try db.execute(
                sql: "UPDATE sessions SET ended_at = ?, ended_us = ?, lost = ?, exporters = ? WHERE id = ?",
                arguments: [end.rfc3339, end.microseconds, lost, exporters.map { String(decoding: scrubbedJSON(Array(JSONWriter.compact($0).utf8)) ?? [], as: UTF8.self) }, sessionID])
            return .commit
        }
        // Folds the WAL back into the database, so the files left behind are one file's worth.
        _ = try? db.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Stores how many entries were lost so far (called when the count moves).
    func noteLost(_ lost: Int) throws {
        try db.write { db in try db.execute(sql: "UPDATE sessions SET lost = ? WHERE id = ?", arguments: [lost, sessionID]) }
    }

    // MARK: Size cap

    /// Deletes the oldest sessions other than this one while the database is over its cap,
    /// then gives the freed pages back to the file system.
    func pruneIfNeeded() throws {
        func used(_ db: Database) throws -> Int64 {
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
        var pruned = false
        if try db.read({ try used($0) }) > maxBytes {
            // Rows whose session is gone (deleted while its monitor still wrote, by a build
            // that pruned live sessions) are found by no session, so they go here.
            try db.write { db in
                for table in ["events", "runs", "tool_calls", "llm_calls", "errors", "search"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE session_id NOT IN (SELECT id FROM sessions)")
                    if db.changesCount > 0 { pruned = true }
                }
            }
        }
        while try db.read({ try used($0) }) > maxBytes {
            // Only a session that ended, or whose monitor stopped beating (killed, or a build
            // before heartbeats that is not running any more): another monitor's live session
            // is never deleted.
            let stale = Timestamp.now().microseconds - SessionWriter.staleAfter
            guard let oldest = try db.read({ db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, first_event_id, last_event_id FROM sessions
                        WHERE id != ? AND (ended_us IS NOT NULL OR coalesce(heartbeat_us, started_us) < ?) ORDER BY id LIMIT 1
                        """,
                    arguments: [sessionID, stale])
            }) else { break }
            let id: Int64 = oldest["id"]
            try db.write { db in
                try SessionStore.deleteSession(id, firstEventID: oldest["first_event_id"], lastEventID: oldest["last_event_id"], db)
            }
            pruned = true
        }
        if pruned {
            try db.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA incremental_vacuum")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }
}
