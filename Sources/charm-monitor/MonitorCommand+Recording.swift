import CharmMonitorCore
import CharmRecording
import CharmTelemetry
import Foundation

extension MonitorCommand {
    /// The database this session records to: `--record`, else the default for an
    /// interactive session; nil when not recording (`--no-record`, headless without `--record`).
    var recordingPath: String? {
        if noRecord { return nil }
        if let recordPath { return recordPath }
        return headless ? nil : RecordingDatabase.defaultPath()
    }

    /// Starts recording when asked; a database that cannot be used is a warning (and a
    /// note for the screen), never a reason not to run the monitor.
    func startRecording(prices: PriceTable) -> (SessionRecorder?, note: String?) {
        guard let path = recordingPath else { return (nil, nil) }
        // A known secret is replaced wherever it appears; one this short would have to be cut
        // out of every word it occurs in, so such a session is not recorded at all.
        guard SecretScrubber.acceptsToken(token) else {
            let why = "not recording: a --token shorter than \(SecretScrubber.minimumTokenLength) bytes cannot be kept out of the recording (--no-record silences this)"
            warn(why)
            return (nil, why)
        }
        let environment = ProcessInfo.processInfo.environment
        let scrubber = SecretScrubber(values: [token].compactMap { $0 }, environment: environment)
        do {
            let recorder = try SessionRecorder(
                path: path, command: CommandLine.arguments, limits: limits, prices: prices, scrubber: scrubber,
                maxBytes: RecordingDatabase.parseSize(recordMaxSize) ?? (1 << 30))
            return (recorder, nil)
        } catch {
            warn("not recording: \(error)")
            return (nil, "not recording: \(error)")
        }
    }

    /// Says on stderr what the recording could not keep.
    func reportRecording(_ stats: RecordingStatistics) {
        if let failure = stats.failure { warn("recording to \(stats.path) stopped: \(failure)") }
        if stats.lost > 0 { warn("recording: \(stats.lost) change(s) could not be recorded (session \(stats.sessionID))") }
    }
}
