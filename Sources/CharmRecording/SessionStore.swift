import CharmMonitorCore
import CharmTelemetry
import CharmWire
import Foundation
import GRDB
import Synchronization

/// One recorded session, as `sessions` lists it.
package struct RecordedSession: Sendable, Hashable {
    package var id: Int64
    /// When it started (RFC 3339, UTC).
    package var startedAt: String
    package var startedMicroseconds: Int64
    /// When it ended; nil while it is being recorded, or when the monitor was killed.
    package var endedAt: String?
    /// The command line (secrets scrubbed).
    package var command: String
    /// Its sources, in order of first appearance.
    package var sources: [String]
    package var events: Int
    package var runs: Int
    package var toolCalls: Int
    package var llmCalls: Int
    package var errors: Int
    /// Entries that could not be recorded (a replay then misses them).
    package var lost: Int

    /// The row as `charm-monitor sessions --json` prints it.
    package var json: JSONValue {
        .object([
            "id": .int(id), "started_at": .string(startedAt), "ended_at": endedAt.map(JSONValue.string) ?? .null,
            "sources": .array(sources.map(JSONValue.string)), "command": .string(command), "events": .int(Int64(events)),
            "runs": .int(Int64(runs)), "tool_calls": .int(Int64(toolCalls)), "llm_calls": .int(Int64(llmCalls)),
            "errors": .int(Int64(errors)), "lost": .int(Int64(lost)),
        ])
    }
}

/// A full-text search hit.
package struct SearchHit: Sendable, Hashable {
    package var sessionID: Int64
    package var runID: String?
    package var callID: String?
    /// `tool`, `text` (a run's streamed tokens), `llm` or `error`.
    package var kind: String
    /// The matching text around the hit, the hit in `[` `]`.
    package var snippet: String

    /// The hit as `charm-monitor search --json` prints it.
    package var json: JSONValue {
        .object([
            "session_id": .int(sessionID), "run_id": runID.map(JSONValue.string) ?? .null,
            "call_id": callID.map(JSONValue.string) ?? .null, "kind": .string(kind), "snippet": .string(snippet),
        ])
    }
}

/// The load API over a recording database: lists sessions, reads a session's entries back
/// and replays them into a `MonitorModel`, searches, and runs read-only SQL. What
/// `charm-monitor sessions`, `open`, `query`, `search`, `diff` and the session picker use
/// (docs/recording.md, "Reading recordings from code"). Opens the database read-only.
package final class SessionStore: Sendable {
    /// The database file.
    package let path: String
    /// The read-only connection (the compare loader in SessionStore+Compare.swift reads it too).
    let db: DatabaseQueue
    /// Recorded entries that could not be read back and were skipped by replays so far.
    /// Relaxed ordering: a count read after the replays that made it, on the same thread.
    private let unreadable = Atomic<Int>(0)

    /// How many recorded entries replays skipped because they could not be read (a row
    /// written by a damaged or foreign writer); one such row never makes a session unopenable.
    package var unreadableEntries: Int { unreadable.load(ordering: .relaxed) }

    /// Opens the recording at `path` read-only; throws `RecordingDatabase.OpenError` with a
    /// sentence saying why when it cannot.
    package init(path: String) throws(RecordingDatabase.OpenError) {
        self.path = path
        self.db = try RecordingDatabase.openForReading(path)
    }

    /// Why a session could not be read.
    package struct LoadError: Error, CustomStringConvertible {
        package var description: String
    }

    // MARK: Sessions

    /// Every session, oldest first.
    package func sessions() throws -> [RecordedSession] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sessions ORDER BY id").map(Self.session)
        }
    }

    /// The session `reference` names: an id, or `latest` (the newest).
    package func session(_ reference: String) throws -> RecordedSession {
        let row: Row? = try db.read { db in
            if reference == "latest" { return try Row.fetchOne(db, sql: "SELECT * FROM sessions ORDER BY id DESC LIMIT 1") }
            guard let id = Int64(reference) else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [id])
        }
        guard let row else {
            if reference == "latest" { throw LoadError(description: "\(path) holds no session yet") }
            if Int64(reference) == nil { throw LoadError(description: "'\(reference)' is not a session id (a number, or 'latest')") }
            throw LoadError(description: "no session \(reference) in \(path) (see 'charm-monitor sessions')")
        }
        return Self.session(row)
    }

    private static func session(_ row: Row) -> RecordedSession {
        let sources: String = row["sources"] ?? ""
        return RecordedSession(
            id: row["id"], startedAt: row["started_at"], startedMicroseconds: row["started_us"], endedAt: row["ended_at"],
            command: row["command"], sources: sources.isEmpty ? [] : sources.split(separator: ",").map(String.init),
            events: row["events"], runs: row["runs"], toolCalls: row["tool_calls"], llmCalls: row["llm_calls"],
            errors: row["errors"], lost: row["lost"])
    }

    // MARK: Replay

    /// Calls `body` with each entry of session `id`, in the order the engine applied them.
    package func forEachEntry(of id: Int64, _ body: (RecordedEntry) throws -> Void) throws {
        try db.read { db in
            guard let range = try Row.fetchOne(db, sql: "SELECT first_event_id, last_event_id FROM sessions WHERE id = ?", arguments: [id]) else {
                throw LoadError(description: "no session \(id) in \(path)")
            }
            guard let first: Int64 = range["first_event_id"], let last: Int64 = range["last_event_id"] else { return }
            // A range of rowids, filtered by session: sessions recorded at the same time by
            // two monitors interleave, and no index on session_id is kept (it would cost
            // every insert).
            let rows = try Row.fetchCursor(
                db, sql: "SELECT at_us, source, kind, data, meta FROM events WHERE id BETWEEN ? AND ? AND session_id = ? ORDER BY id",
                arguments: [first, last, id])
            while let row = try rows.next() {
                let skipped = try EntryCodec.decodeRow(
                    kind: row[2], at: Timestamp(microseconds: row[0]), source: row[1], data: row[3], meta: row[4], body)
                if skipped > 0 { unreadable.add(skipped, ordering: .relaxed) }
            }
        }
    }

    /// The model session `id` had when it ended (or when it was last written, for a
    /// session still recording or one whose monitor was killed): every entry replayed
    /// into a model with the session's limits and prices.
    package func replay(_ id: Int64) throws -> MonitorModel {
        let (limits, prices) = try settings(of: id)
        var model = MonitorModel(limits: limits)
        model.prices = prices
        try forEachEntry(of: id) { model.replay($0) }
        return model
    }

    /// The session's retention limits and price table.
    package func settings(of id: Int64) throws -> (RetentionLimits, PriceTable) {
        let row = try db.read { db in try Row.fetchOne(db, sql: "SELECT limits, prices FROM sessions WHERE id = ?", arguments: [id]) }
        guard let row else { throw LoadError(description: "no session \(id) in \(path)") }
        let limitsText: String = row["limits"]
        let pricesText: String? = row["prices"]
        let limits = (try? JSONParser.parse(limitsText)).map(Self.limits) ?? .standard
        let prices = pricesText.flatMap { try? JSONParser.parse($0) }.map(Self.prices) ?? .builtin
        return (limits, prices)
    }

    /// The exporters' part of the session's headless summary, as stored when it ended.
    package func exporters(of id: Int64) throws -> JSONValue {
        let text = try db.read { db in try String.fetchOne(db, sql: "SELECT exporters FROM sessions WHERE id = ?", arguments: [id]) }
        return text.flatMap { try? JSONParser.parse($0) } ?? .array([])
    }

    /// The headless summary session `id` had: the replayed model's, with the exporters'
    /// counters as they were when it ended.
    package func headlessSummary(of id: Int64) throws -> JSONValue {
        let model = try replay(id)
        guard case .object(var o) = model.headlessSummary() else { return .null }
        o["exporters"] = try exporters(of: id)
        return .object(o)
    }

    // MARK: Search

    /// Sessions, runs and calls whose tool input or output, token text, LLM messages or
    /// errors contain every word of `text`, newest session first. Words match the start of
    /// indexed words, case and accents aside ("timeout" finds "TimeoutError"); when that finds
    /// nothing, any part of the text (`LIKE`), so a piece of a word or of CJK text still does.
    package func search(_ text: String, limit: Int = 50) throws -> [SearchHit] {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else { return [] }
        return try db.read { db in
            let match = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }.joined(separator: " ")
            let columns = "session_id, run_id, call_id, kind, first_ordinal, last_ordinal, body"
            var rows = try Row.fetchAll(
                db, sql: "SELECT \(columns) FROM search WHERE search MATCH ? ORDER BY session_id DESC, rank LIMIT ?",
                arguments: [match, limit])
            if rows.isEmpty {
                let likes = words.map { _ in "body LIKE ? ESCAPE '\\'" }.joined(separator: " AND ")
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(columns) FROM search WHERE \(likes) ORDER BY session_id DESC, rowid LIMIT ?",
                    arguments: StatementArguments(words.map(Self.likePattern) as [any DatabaseValueConvertible] + [limit]))
            }
            var hits: [SearchHit] = []
            for row in rows where hits.count < limit {
                let session: Int64 = row["session_id"]
                let kind: String = row["kind"]
                let runID: String? = row["run_id"]
                if kind == "tool", let lo: Int64 = row["first_ordinal"], let hi: Int64 = row["last_ordinal"], let runID {
                    // A document holds the calls that ended together: find the very calls.
                    let likes = words.map { _ in "(tool_name || ' ' || input || ' ' || coalesce(output, '') || ' ' || coalesce(error, '')) LIKE ? ESCAPE '\\'" }
                    let calls = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT call_id, tool_name, input, output, error FROM tool_calls
                            WHERE session_id = ? AND run_id = ? AND ordinal BETWEEN ? AND ? AND \(likes.joined(separator: " AND "))
                            ORDER BY ordinal
                            """,
                        arguments: StatementArguments([session, runID, lo, hi] as [any DatabaseValueConvertible] + words.map(Self.likePattern)))
                    for c in calls where hits.count < limit {
                        let parts: [String?] = [c["tool_name"], c["input"], c["output"], c["error"]]
                        let body = parts.compactMap { $0 }.joined(separator: " ")
                        hits.append(SearchHit(sessionID: session, runID: runID, callID: c["call_id"], kind: kind, snippet: Self.snippet(body, words)))
                    }
                } else {
                    hits.append(SearchHit(sessionID: session, runID: runID, callID: row["call_id"], kind: kind, snippet: Self.snippet(row["body"], words)))
                }
            }
            return hits
        }
    }

    private static func likePattern(_ word: String) -> String {
        "%" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    /// About 100 characters of `body` around the first word found, that word in `[` `]`,
    /// on one line.
    static func snippet(_ body: String, _ words: [String]) -> String {
        let flat = body.replacingOccurrences(of: "\n\u{1E}\n", with: " · ").replacingOccurrences(of: "\n", with: " ")
        for w in words {
            guard let r = flat.range(of: w, options: [.caseInsensitive, .diacriticInsensitive]) else { continue }
            let before = flat[..<r.lowerBound].suffix(40)
            let after = flat[r.upperBound...].prefix(60)
            return (before.startIndex > flat.startIndex ? "…" : "") + before + "[" + flat[r] + "]" + after
                + (after.endIndex < flat.endIndex ? "…" : "")
        }
        return String(flat.prefix(100))
    }

    // MARK: SQL

    /// A statement that would change something, refused.
    package struct WriteRefused: Error, CustomStringConvertible {
        package var statement: String
        package var description: String {
            "refused: '\(statement)' would change the recording; query runs read-only SQL (SELECT, WITH, EXPLAIN, read-only PRAGMA)"
        }
    }

    /// Runs `sql` read-only: every statement in it is checked before any runs, and one that
    /// would write (INSERT, UPDATE, DELETE, DROP, CREATE, ATTACH, DETACH, a PRAGMA that sets)
    /// is refused (`WriteRefused`); invalid SQL throws `QueryError`. Returns the last
    /// statement's column names and rows (a blob as base64 text).
    package func query(_ sql: String) throws -> (columns: [String], rows: [[JSONValue]]) {
        do {
            return try runQuery(sql)
        } catch let e as DatabaseError {
            throw QueryError(description: e.message ?? "\(e)")
        }
    }

    /// Invalid SQL, with SQLite's message.
    package struct QueryError: Error, CustomStringConvertible {
        package var description: String
    }

    private func runQuery(_ sql: String) throws -> (columns: [String], rows: [[JSONValue]]) {
        try db.read { db in
            var statements: [Statement] = []
            let cursor = try db.allStatements(sql: sql)
            while let st = try cursor.next() {
                let text = st.sql.trimmingCharacters(in: .whitespacesAndNewlines)
                let word = text.prefix { $0.isLetter }.uppercased()
                let assigns = word == "PRAGMA" && (text.contains("=") || text.contains("("))
                if !st.isReadonly || word == "ATTACH" || word == "DETACH" || assigns || word == "VACUUM" {
                    throw WriteRefused(statement: text)
                }
                statements.append(st)
            }
            var columns: [String] = []
            var rows: [[JSONValue]] = []
            for st in statements {
                columns = st.columnNames
                rows = try Row.fetchAll(st).map { row in row.databaseValues.map(Self.json) }
            }
            return (columns, rows)
        }
    }

    private static func json(_ v: DatabaseValue) -> JSONValue {
        switch v.storage {
        case .null: .null
        case .int64(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .blob(let b): .string(b.base64EncodedString())
        }
    }

    // MARK: Settings as JSON

    static func json(_ l: RetentionLimits) -> JSONValue {
        .object([
            "max_runs": .int(Int64(l.maxRuns)), "max_tool_calls_per_run": .int(Int64(l.maxToolCallsPerRun)),
            "max_text_bytes_per_run": .int(Int64(l.maxTextBytesPerRun)), "max_tool_io_bytes": .int(Int64(l.maxToolIOBytes)),
            "max_actions_per_run": .int(Int64(l.maxActionsPerRun)), "max_log_lines": .int(Int64(l.maxLogLines)),
            "max_errors": .int(Int64(l.maxErrors)), "max_entry_bytes": .int(Int64(l.maxEntryBytes)),
            "max_name_bytes": .int(Int64(l.maxNameBytes)),
        ])
    }

    static func limits(_ v: JSONValue) -> RetentionLimits {
        let d = RetentionLimits.standard
        func n(_ k: String, _ fallback: Int) -> Int { v[k]?.intValue.map { Int($0) } ?? fallback }
        return RetentionLimits(
            maxRuns: n("max_runs", d.maxRuns), maxToolCallsPerRun: n("max_tool_calls_per_run", d.maxToolCallsPerRun),
            maxTextBytesPerRun: n("max_text_bytes_per_run", d.maxTextBytesPerRun), maxToolIOBytes: n("max_tool_io_bytes", d.maxToolIOBytes),
            maxActionsPerRun: n("max_actions_per_run", d.maxActionsPerRun), maxLogLines: n("max_log_lines", d.maxLogLines),
            maxErrors: n("max_errors", d.maxErrors), maxEntryBytes: n("max_entry_bytes", d.maxEntryBytes),
            maxNameBytes: n("max_name_bytes", d.maxNameBytes))
    }

    static func json(_ p: PriceTable) -> JSONValue {
        var o = JSONObject()
        for (name, m) in p.models.sorted(by: { $0.key < $1.key }) {
            var e: JSONObject = ["input": .double(m.input), "output": .double(m.output)]
            if let c = m.cacheRead { e["cache_read"] = .double(c) }
            if let d = m.date { e["date"] = .string(d) }
            if let s = m.source { e["source"] = .string(s) }
            o[name] = .object(e)
        }
        return .object(o)
    }

    static func prices(_ v: JSONValue) -> PriceTable {
        var models: [String: ModelPrice] = [:]
        for m in v.objectValue ?? [:] {
            guard let input = m.value["input"]?.doubleValue, let output = m.value["output"]?.doubleValue else { continue }
            models[m.key] = ModelPrice(
                input: input, output: output, cacheRead: m.value["cache_read"]?.doubleValue, date: m.value["date"]?.stringValue,
                source: m.value["source"]?.stringValue)
        }
        return PriceTable(models: models)
    }

    /// Deletes session `id` and everything recorded for it.
    static func deleteSession(_ id: Int64, firstEventID: Int64?, lastEventID: Int64?, _ db: Database) throws {
        if let first = firstEventID, let last = lastEventID {
            try db.execute(sql: "DELETE FROM events WHERE id BETWEEN ? AND ? AND session_id = ?", arguments: [first, last, id])
        }
        for table in ["runs", "tool_calls", "llm_calls", "errors", "search"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE session_id = ?", arguments: [id])
        }
        try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [id])
    }
}
