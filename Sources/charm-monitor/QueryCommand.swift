import ArgumentParser
import CharmRecording
import CharmTelemetry
import Foundation

/// `charm-monitor query "SQL"`: read-only SQL over the recording's documented tables.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run read-only SQL over the recorded sessions (tables: docs/recording.md).",
        discussion: """
            Tables: sessions, runs, tool_calls, llm_calls, events, errors, search (FTS5).
            Example: charm-monitor query "SELECT tool_name, count(*) FROM tool_calls GROUP BY tool_name"
            Exit codes: 0 ok, 1 the database cannot be opened, 2 the SQL is invalid or would write.
            """)

    @OptionGroup var db: DatabaseOption

    @Flag(help: "One JSON array with an object per row.")
    var json = false

    @Argument(help: ArgumentHelp("The SQL (SELECT, WITH, EXPLAIN, read-only PRAGMA).", valueName: "sql"))
    var sql: String

    func run() throws {
        guard let store = db.open() else { throw ExitCode(1) }
        let result: (columns: [String], rows: [[JSONValue]])
        do {
            result = try store.query(sql)
        } catch let e as SessionStore.WriteRefused {
            warn("\(e)")
            throw ExitCode(2)
        } catch {
            warn("query: \(error)")
            throw ExitCode(2)
        }
        if json {
            let objects: [JSONValue] = result.rows.map { row in
                var o = JSONObject()
                for (i, c) in result.columns.enumerated() where i < row.count { o.appendUnchecked(c, row[i]) }
                return .object(o)
            }
            printLine(JSONWriter.compact(.array(objects)))
            return
        }
        printLine(alignedTable(result.columns, result.rows.map { $0.map(Self.text) }))
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: "NULL"
        case .string(let s): s
        default: JSONWriter.compact(v)
        }
    }
}
