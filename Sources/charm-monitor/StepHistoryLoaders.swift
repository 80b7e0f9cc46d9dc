import CharmMonitorCore
import CharmRecording
import CharmSources
import Foundation

/// Where stepping (`[` `]`) gets a session's changes: the recording (a session recorded now,
/// or one opened with `charm-monitor open`), else files replayed with `--file`, read again.
enum StepHistoryLoaders {
    /// Session `sessionID` of the recording at `path`, as far as it is written.
    static func recording(path: String, sessionID: Int64) -> @Sendable () throws -> StepHistory {
        return {
            let store = try SessionStore(path: path)
            let (limits, prices) = try store.settings(of: sessionID)
            var entries: [any ReplayableEntry] = []
            try store.forEachEntry(of: sessionID) { entries.append($0) }
            return StepHistory(entries: entries, limits: limits, prices: prices)
        }
    }

    /// When every source is a file read once (`--file` without `--follow`) and nothing else
    /// feeds the engine: the files read again (once, on the first step, after they were read
    /// to their end) and decoded as they were. Nil for any other session.
    static func files(specs: [SourceSpec], otlp: Bool, engine: MonitorEngine) -> (@Sendable () throws -> StepHistory)? {
        var paths: [String] = []
        for spec in specs {
            guard case .file(let path, follow: false, _) = spec else { return nil }
            paths.append(path)
        }
        guard !paths.isEmpty, !otlp else { return nil }
        let (limits, prices) = engine.readForView { ($0.limits, $0.prices) }
        let read = paths
        return {
            let files = try read.map { path in
                (path: path, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            }
            return StepHistory.files(files, limits: limits, prices: prices)
        }
    }
}
