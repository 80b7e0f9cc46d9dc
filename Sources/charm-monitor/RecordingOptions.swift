import ArgumentParser
import CharmMonitorCore
import CharmRecording
import CharmTelemetry
import Foundation

/// `--db PATH`, shared by the commands that read recordings.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The recording database (default: $XDG_DATA_HOME/charm-monitor/sessions.sqlite).", valueName: "path"))
    var path: String?

    /// The database to read.
    var resolved: String { path ?? RecordingDatabase.defaultPath() }

    /// The store, or nil after printing why it cannot be opened.
    func open() -> SessionStore? {
        do {
            return try SessionStore(path: resolved)
        } catch {
            warn("\(error)")
            return nil
        }
    }
}

/// Writes `text` and a newline to stdout.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Rows as an aligned table: a header, then each row, columns padded to their widest cell
/// (by display width), cells on one line (newlines and tabs shown as \n and \t) and cut
/// at `maxCell` columns.
func alignedTable(_ header: [String], _ rows: [[String]], maxCell: Int = 120) -> String {
    func cell(_ s: String) -> String {
        var t = s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\r", with: "\\r")
        if DisplayWidth.of(t) > maxCell { t = DisplayWidth.truncate(t, to: maxCell) }
        return t
    }
    let all = [header.map(cell)] + rows.map { $0.map(cell) }
    var widths = [Int](repeating: 0, count: header.count)
    for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
    return all.map { r in
        r.enumerated().map { i, c in
            i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - DisplayWidth.of(c))
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
