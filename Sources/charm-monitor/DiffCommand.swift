import ArgumentParser
import CharmMonitorCore
import CharmRecording
import CharmTelemetry
import Foundation

/// `charm-monitor diff RUN_A RUN_B`: the compare view's alignment of two runs' tool and LLM
/// calls, as text columns or JSON, read from the recording database (the derived `runs`,
/// `tool_calls` and `llm_calls` tables) or from event files (`--file`).
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Align two runs' tool and LLM calls and show where they diverge.",
        discussion: """
            The left run is RUN_A, the right RUN_B; calls (a run's own and its sub-runs') are aligned
            by kind, tool (or model) name and input, a call of one tool with another input is shown
            as a changed pair, and the first row that differs (or ends with another status) is the
            first divergence. Runs are read from the recording (docs/recording.md): RUN is a run id
            found in one session, or SESSION:RUN (SESSION an id or 'latest').
              charm-monitor diff run-1 run-7
              charm-monitor diff 12:run-1 latest:run-1 --json
            With --file, runs are read from event files instead: with one file both runs are looked up
            in it, with two RUN_A in the first and RUN_B in the second.
              charm-monitor diff --file good.ndjson --file bad.ndjson run-1 run-7
            Exit codes: 0 the runs were compared, 1 the database, a file or a run was not found (or a
            run id is in several sessions), 2 usage error.
            """)

    @OptionGroup var db: DatabaseOption

    @Option(
        name: .customLong("file"),
        help: ArgumentHelp(
            "Read runs from an event file (NDJSON or Charm's stdout protocol) instead of the recording; one or two.",
            valueName: "path"))
    var files: [String] = []

    @Flag(help: "One JSON object: both runs, the counts, first_divergence and every row.")
    var json = false

    @Option(help: "Width of the text columns.")
    var width = 140

    @Argument(help: "The left run: RUN or SESSION:RUN (with --file, a run id).")
    var runA: String

    @Argument(help: "The right run: RUN or SESSION:RUN (with --file, a run id).")
    var runB: String

    func validate() throws {
        if !files.isEmpty && db.path != nil { throw ValidationError("--db and --file cannot be used together") }
        if files.count > 2 { throw ValidationError("diff takes at most two --file options (RUN_A's and RUN_B's)") }
        if width < 40 { throw ValidationError("--width must be at least 40") }
    }

    func run() throws {
        let (left, right) = files.isEmpty ? try fromRecording() : try fromFiles()
        let alignment = RunAlignment(left: left, right: right)
        if json {
            print(JSONWriter.compact(alignment.json))
        } else {
            print(alignment.plainText(width: width), terminator: "")
        }
    }

    /// Both runs from the recording database.
    private func fromRecording() throws -> (ComparableRun, ComparableRun) {
        guard let store = db.open() else { throw ExitCode(1) }
        do {
            return (try store.comparableRun(runA), try store.comparableRun(runB))
        } catch {
            DiffCommand.fail("\(error)")
        }
    }

    /// Both runs replayed from event files.
    private func fromFiles() throws -> (ComparableRun, ComparableRun) {
        do {
            let models = try files.map { path in (path, ComparableRun.replay(try DiffCommand.read(path), sourceName: path)) }
            let (leftPath, leftModel) = models[0]
            let (rightPath, rightModel) = models[models.count - 1]
            return (
                try ComparableRun.find(runA, in: leftModel, origin: leftPath),
                try ComparableRun.find(runB, in: rightModel, origin: rightPath)
            )
        } catch let error as ComparableRun.LookupError {
            DiffCommand.fail(error.description)
        }
    }

    /// The file's text; a clear error when it cannot be read.
    static func read(_ path: String) throws(ComparableRun.LookupError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ComparableRun.LookupError(description: "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints `message` to stderr and exits 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("charm-monitor diff: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
