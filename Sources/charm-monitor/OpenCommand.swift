#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CharmMonitorCore
import CharmRecording
import CharmTelemetry
import Foundation

/// `charm-monitor open ID|latest`: a recorded session in the full UI as it ended (its
/// entries replayed into a model; nothing is recorded again), or with `--headless` the
/// summary it had.
struct OpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Show a recorded session in the UI as it ended, or its headless summary (--headless).")

    @OptionGroup var db: DatabaseOption

    @Argument(help: ArgumentHelp("The session's id (see 'charm-monitor sessions'), or 'latest'.", valueName: "id|latest"))
    var session: String

    @Flag(help: "No UI: print the JSON summary the session had (as 'watch --headless' printed it).")
    var headless = false

    @Option(help: ArgumentHelp("Theme by name or path (as for watch).", valueName: "name|path"))
    var theme: String?

    func run() async throws {
        guard let store = db.open() else { throw ExitCode(1) }
        let session: RecordedSession
        let model: MonitorModel
        do {
            session = try store.session(self.session)
            if headless {
                printLine(JSONWriter.compact(try store.headlessSummary(of: session.id)))
                warnUnreadable(store, session.id)
                return
            }
            model = try store.replay(session.id)
            warnUnreadable(store, session.id)
        } catch {
            warn("\(error)")
            throw ExitCode(1)
        }
        let (themes, themeProblem) = ThemeChoice.load(requested: theme)
        if let themeProblem { warn("theme: \(themeProblem); using the default theme") }
        let engine = MonitorEngine(replayed: model)
        let ended = InteractiveUI.EndFlag()
        ended.set()
        var options = InteractiveUI.Options(
            themes: themes, startupMessage: "session \(session.id) from \(store.path)", keyboardFromTTY: isatty(STDIN_FILENO) == 0,
            environment: ProcessInfo.processInfo.environment)
        options.recordedSession = "session \(session.id) · \(session.startedAt)"
        options.historyLoader = StepHistoryLoaders.recording(path: store.path, sessionID: session.id)
        options.historyNeedsEnd = false
        options.recordingDatabase = store.path
        let (status, _) = await InteractiveUI.run(engine: engine, options: options, ended: ended)
        if status != 0 { throw ExitCode(status) }
    }

    /// Says how many recorded entries the replay skipped (the rest of the session replayed).
    private func warnUnreadable(_ store: SessionStore, _ id: Int64) {
        let n = store.unreadableEntries
        if n > 0 { warn("session \(id): \(n) recorded event(s) could not be read and were skipped") }
    }
}
