import ArgumentParser
import CharmRecording
import CharmTelemetry

/// `charm-monitor search TEXT`: full-text search over every recorded session.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search of tool inputs and outputs, token text, LLM messages and errors in every recorded session.")

    @OptionGroup var db: DatabaseOption

    @Flag(help: "One JSON array of hits.")
    var json = false

    @Option(help: "Hits shown at most.")
    var limit = 50

    @Argument(help: ArgumentHelp("Words that must all appear (each taken as text, not FTS syntax).", valueName: "text"))
    var text: [String]

    func run() throws {
        guard let store = db.open() else { throw ExitCode(1) }
        let hits: [SearchHit]
        do {
            hits = try store.search(text.joined(separator: " "), limit: max(1, limit))
        } catch {
            warn("search: \(error)")
            throw ExitCode(2)
        }
        if json {
            printLine(JSONWriter.compact(.array(hits.map(\.json))))
            return
        }
        if hits.isEmpty {
            printLine("no match")
            return
        }
        printLine(alignedTable(
            ["SESSION", "RUN", "CALL", "KIND", "SNIPPET"],
            hits.map { [String($0.sessionID), $0.runID ?? "-", $0.callID ?? "-", $0.kind, $0.snippet] }))
    }
}
