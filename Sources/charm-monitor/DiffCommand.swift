import ArgumentParser
import CharmMonitorCore
import CharmTelemetry
import Foundation

/// `charm-monitor diff RUN_A RUN_B`: the compare view's alignment of two runs' tool and LLM
/// calls, as text columns or JSON, read from recorded event files (`--file`).
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Align two runs' tool and LLM calls and show where they diverge.",
        discussion: """
            The left run is RUN_A, the right RUN_B; calls are aligned by kind, tool (or model) name
            and input, a call of one tool with another input is shown as a changed pair, and the
            first row that differs (or ends with another status) is the first divergence.
              charm-monitor diff --file good.ndjson --file bad.ndjson run-1 run-7
              charm-monitor diff --file session.ndjson run-1 run-2 --json
            With one --file both runs are looked up in it; with two, RUN_A in the first and RUN_B
            in the second. Exit codes: 0 the runs were compared, 1 a file or a run was not found,
            2 usage error.
            """)

    @Option(
        name: .customLong("file"),
        help: ArgumentHelp("An event file (NDJSON or Charm's stdout protocol) to read runs from; give one or two.", valueName: "path"))
    var files: [String] = []

    @Flag(help: "One JSON object: both runs, the counts, first_divergence and every row.")
    var json = false

    @Option(help: "Width of the text columns.")
    var width = 140

    @Argument(help: "The left run's id.")
    var runA: String

    @Argument(help: "The right run's id.")
    var runB: String

    func validate() throws {
        if files.isEmpty { throw ValidationError("diff needs --file (one file holding both runs, or one file per run)") }
        if files.count > 2 { throw ValidationError("diff takes at most two --file options (RUN_A's and RUN_B's)") }
        if width < 40 { throw ValidationError("--width must be at least 40") }
    }

    func run() throws {
        do {
            let models = try files.map { path in (path, ComparableRun.replay(try DiffCommand.read(path), sourceName: path)) }
            let (leftPath, leftModel) = models[0]
            let (rightPath, rightModel) = models[models.count - 1]
            let left = try ComparableRun.find(runA, in: leftModel, origin: leftPath)
            let right = try ComparableRun.find(runB, in: rightModel, origin: rightPath)
            let alignment = RunAlignment(left: left, right: right)
            if json {
                print(JSONWriter.compact(alignment.json))
            } else {
                print(alignment.plainText(width: width), terminator: "")
            }
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
