import ArgumentParser
import CharmRecording
import CharmTelemetry

/// `charm-monitor sessions`: the recorded sessions, oldest first.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List recorded sessions: id, start, sources, runs, errors (docs/recording.md).")

    @OptionGroup var db: DatabaseOption

    @Flag(help: "One JSON array of sessions.")
    var json = false

    func run() throws {
        guard let store = db.open() else { throw ExitCode(1) }
        let sessions: [RecordedSession]
        do {
            sessions = try store.sessions()
        } catch {
            warn("\(error)")
            throw ExitCode(1)
        }
        if json {
            printLine(JSONWriter.compact(.array(sessions.map(\.json))))
            return
        }
        if sessions.isEmpty {
            printLine("no sessions recorded in \(store.path)")
            return
        }
        let rows = sessions.map { s in
            [
                String(s.id), s.startedAt, s.endedAt ?? (s.events > 0 ? "(not ended)" : "-"), s.sources.joined(separator: ","),
                String(s.runs), String(s.toolCalls), String(s.errors), String(s.events) + (s.lost > 0 ? " (\(s.lost) lost)" : ""),
            ]
        }
        printLine(alignedTable(["ID", "STARTED", "ENDED", "SOURCES", "RUNS", "CALLS", "ERRORS", "EVENTS"], rows))
    }
}
