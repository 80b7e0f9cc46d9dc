import CharmMonitorCore
import CharmTelemetry
import GRDB

/// What `charm-monitor diff` reads from a recording: a run's calls as a `ComparableRun`,
/// straight from the derived `runs`, `tool_calls` and `llm_calls` tables (no replay), the
/// run's own calls and its sub-runs', in start order, as its Calls pane showed them.
extension SessionStore {
    /// The run `reference` names: `RUN` when exactly one session holds a run of that id, or
    /// `SESSION:RUN` (`SESSION` an id or `latest`). A clear error when there is none, or when
    /// several sessions hold it and the reference does not say which.
    package func comparableRun(_ reference: String) throws -> ComparableRun {
        let (sessionID, runID) = try locate(reference)
        return try comparableRun(session: sessionID, run: runID)
    }

    /// The session and run id `reference` stands for (see `comparableRun(_:)`).
    func locate(_ reference: String) throws -> (session: Int64, run: String) {
        if let colon = reference.firstIndex(of: ":") {
            let session = String(reference[..<colon])
            let run = String(reference[reference.index(after: colon)...])
            if !run.isEmpty, session == "latest" || Int64(session) != nil {
                let id = try self.session(session).id
                if try holds(session: id, run: run) { return (id, run) }
                // A run id that itself has a colon ("a:b") is still found whole below.
                if try sessions(holding: reference).isEmpty {
                    throw LoadError(description: "no run \"\(run)\" in session \(id) of \(path)")
                }
            }
        }
        let holding = try sessions(holding: reference)
        switch holding.count {
        case 0:
            throw LoadError(description: "no run \"\(reference)\" in \(path) (see 'charm-monitor query \"SELECT session_id, run_id FROM runs\"')")
        case 1:
            return (holding[0], reference)
        default:
            let list = holding.map(String.init).joined(separator: ", ")
            throw LoadError(
                description: "run \"\(reference)\" is in sessions \(list) of \(path): name one as SESSION:RUN, e.g. \(holding[holding.count - 1]):\(reference)")
        }
    }

    /// The sessions holding a run of id `run`, oldest first.
    func sessions(holding run: String) throws -> [Int64] {
        try db.read { db in
            try Int64.fetchAll(db, sql: "SELECT session_id FROM runs WHERE run_id = ? ORDER BY session_id", arguments: [run])
        }
    }

    private func holds(session: Int64, run: String) throws -> Bool {
        try db.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE session_id = ? AND run_id = ?", arguments: [session, run]) ?? false
        }
    }

    /// Run `run` of session `session` with its sub-runs' calls, in start order (a run's own
    /// calls first among equal starts, then tool calls before model calls).
    package func comparableRun(session: Int64, run: String) throws -> ComparableRun {
        try db.read { db in
            guard let head = try Row.fetchOne(
                db, sql: "SELECT name, started_us FROM runs WHERE session_id = ? AND run_id = ?", arguments: [session, run])
            else { throw LoadError(description: "no run \"\(run)\" in session \(session) of \(path)") }
            let start: Int64 = head["started_us"]
            // The run and its descendants, each with its depth, so a run's own calls sort first.
            let tree = """
                WITH RECURSIVE tree(run_id, depth) AS (
                    SELECT ?, 0
                    UNION SELECT r.run_id, t.depth + 1 FROM runs r JOIN tree t ON r.parent_run_id = t.run_id
                    WHERE r.session_id = ?
                )
                """
            var keyed: [(start: Int64, depth: Int, kind: Int, ordinal: Int, call: ComparableCall)] = []
            let tools = try Row.fetchCursor(
                db,
                sql: tree + """
                    SELECT c.run_id, c.ordinal, c.call_id, c.tool_name, c.status, c.input, c.output, c.error,
                           c.started_us, c.duration_ms, t.depth
                    FROM tool_calls c JOIN tree t ON c.run_id = t.run_id WHERE c.session_id = ?
                    """,
                arguments: [run, session, session])
            while let row = try tools.next() {
                let started: Int64 = row["started_us"]
                let duration: Double? = row["duration_ms"]
                let call = ComparableCall(
                    kind: .tool, callID: row["call_id"], runID: row["run_id"], name: row["tool_name"], input: row["input"],
                    output: row["output"], error: row["error"], status: Self.status(row["status"]),
                    startOffset: Double(started - start) / 1e6, duration: duration.map { $0 / 1e3 })
                keyed.append((started, row["depth"], 0, row["ordinal"], call))
            }
            let llms = try Row.fetchCursor(
                db,
                sql: tree + """
                    SELECT c.run_id, c.ordinal, c.call_id, c.model, c.operation, c.status, c.input_tokens, c.output_tokens,
                           c.started_us, c.duration_ms, c.input_messages, c.output_messages, c.error, t.depth
                    FROM llm_calls c JOIN tree t ON c.run_id = t.run_id WHERE c.session_id = ?
                    """,
                arguments: [run, session, session])
            while let row = try llms.next() {
                let started: Int64 = row["started_us"]
                let duration: Double = row["duration_ms"]
                let model: String? = row["model"]
                let operation: String? = row["operation"]
                let input: String? = row["input_messages"]
                let call = ComparableCall(
                    kind: .llm, callID: row["call_id"], runID: row["run_id"], name: model ?? operation ?? "llm",
                    input: input ?? "", output: row["output_messages"], error: row["error"],
                    status: Self.status(row["status"]), startOffset: Double(started - start) / 1e6, duration: duration / 1e3,
                    inputTokens: row["input_tokens"], outputTokens: row["output_tokens"])
                keyed.append((started, row["depth"], 1, row["ordinal"], call))
            }
            keyed.sort { a, b in
                (a.start, a.depth, a.kind, a.ordinal) < (b.start, b.depth, b.kind, b.ordinal)
            }
            return ComparableRun(id: run, name: head["name"], origin: "session \(session)", calls: keyed.map(\.call))
        }
    }

    /// A stored status (`running`, `ok`, `error`).
    private static func status(_ text: String) -> ActivityStatus { ActivityStatus(rawValue: text) ?? .running }
}
