#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmExporters
import CharmMonitorCore
import CharmRecording
import CharmTelemetry
import CharmTerminal
import Foundation
import Synchronization

/// The interactive front end's loop. One dedicated thread owns the `Terminal` (ncurses is
/// not thread-safe and its reads block, so never the cooperative pool); sources go on
/// ingesting on their own threads into the engine, and the loop reads, under the engine's
/// lock, only the small view-model of what is on screen (`UIFrame`), then draws it.
enum InteractiveUI {
    /// What the loop needs besides the engine.
    struct Options: Sendable {
        /// The themes `t` cycles through; the first is used at start.
        var themes: [Theme]
        /// A message for the footer at start (a broken theme, a source that failed).
        var startupMessage: String?
        /// Read keys from /dev/tty because stdin carries the event stream.
        var keyboardFromTTY: Bool
        /// The environment (NO_COLOR, COLORTERM, exporters' secrets).
        var environment: [String: String]
        /// Builds the session's history for stepping (`[` `]`), when it can be replayed.
        var historyLoader: (@Sendable () throws -> StepHistory)? = nil
        /// Whether the history can be built only once every finite source has ended (a
        /// replayed file is read again whole, so not before it was read).
        var historyNeedsEnd = true
        /// Whether the history grows while the UI runs (a session being recorded): it is then
        /// built again each time stepping starts.
        var historyRefreshes = false
        /// The session's recorder, whose state the header shows.
        var recorder: SessionRecorder? = nil
        /// The header's label when the screen shows a recorded session (`charm-monitor open`).
        var recordedSession: String? = nil
        /// The recording the session picker (`o`) reads.
        var recordingDatabase: String? = nil
    }

    /// A one-way flag set from a task when every finite source has ended.
    final class EndFlag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Frames are drawn at most this often, however fast events arrive.
    static let frameInterval: Duration = .milliseconds(33)
    /// How long one input read waits: short, so frames and signals are never late.
    static let inputTimeoutMs = 16

    /// Runs the UI on its own thread until the user quits or a signal arrives; returns
    /// the exit status and where stderr was logged.
    static func run(engine: MonitorEngine, options: Options, ended: EndFlag) async -> (status: Int32, log: String?) {
        await withCheckedContinuation { (continuation: CheckedContinuation<(status: Int32, log: String?), Never>) in
            let thread = Thread(block: makeBody(engine: engine, options: options, ended: ended, done: continuation))
            thread.name = "charm-monitor ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The thread's body, made in a nonisolated function so the closure is a plain
    /// `@Sendable` one (closures made in top-level code trap on a background thread).
    private nonisolated static func makeBody(
        engine: MonitorEngine, options: Options, ended: EndFlag,
        done: CheckedContinuation<(status: Int32, log: String?), Never>
    ) -> @Sendable () -> Void {
        return {
            let result = loop(engine: engine, options: options, ended: ended)
            done.resume(returning: result)
        }
    }

    private static func loop(engine: MonitorEngine, options: Options, ended: EndFlag) -> (status: Int32, log: String?) {
        let terminal = Terminal()
        do {
            try terminal.start(input: options.keyboardFromTTY ? .tty : .stdin, environment: options.environment)
        } catch {
            warn("\(error)")
            return (1, nil)
        }
        defer { terminal.stop() }
        let logPath = terminal.stderrLogPath

        var state = UIState()
        state.themeCount = options.themes.count
        state.stderrLogPath = logPath
        state.statusMessage = options.startupMessage
        state.statusMessageAt = options.startupMessage == nil ? nil : .now()
        state.recordedSession = options.recordedSession
        func recordingIndicator() -> RecordingIndicator? {
            options.recorder.map { r in
                let s = r.statistics()
                return RecordingIndicator(lost: s.lost, failed: s.failure != nil)
            }
        }
        state.recording = recordingIndicator()
        var theme = options.themes.first ?? .builtinDefault
        let registry = engine.manager.exporterRegistry
        // The community registry (a local or cached copy; no network), read once: its entries
        // with no exporter here are listed with the command that installs them.
        let notInstalled: [(id: String, installCommand: String)] =
            ((try? PluginRegistry.loadDefault(environment: options.environment)) ?? nil).map { doc in
                PluginRegistry.listing(doc, installedIn: registry).filter { !$0.installed }.map {
                    (id: $0.entry.id, installCommand: $0.installCommand)
                }
            } ?? []
        let clock = ContinuousClock()
        var lastFrame = clock.now - frameInterval
        var exporters = ExporterRow.rows(
            statistics: engine.exporterStatistics(), registry: registry, environment: options.environment,
            notInstalled: notInstalled)
        var status: Int32 = 0
        // With a filter set, frames match again only the runs that changed.
        let filterCache = RunFilterCache()

        // The session picker: a session opened from it is shown from an engine of its own
        // (its replayed model) until `o` or Esc goes back to the live one.
        let browser = options.recordingDatabase.map { SessionBrowser(path: $0, liveSessionID: options.recorder?.sessionID) }
        var picked: (engine: MonitorEngine, history: @Sendable () throws -> StepHistory)?
        func shown() -> MonitorEngine { picked?.engine ?? engine }

        // Built on the first step and kept: the session's changes, replayed to each step.
        var history: StepHistory?
        func historySupport() -> HistorySupport {
            if let history { return .ready(history) }
            if picked != nil { return .loadable }
            guard options.historyLoader != nil else { return .unavailable(HistorySupport.noHistory) }
            if options.historyNeedsEnd && !state.streamEnded {
                return .unavailable("stepping starts once every file is read to its end")
            }
            return .loadable
        }

        // The update runs under the engine's lock, reading the model in place (a key or a
        // tick reads a few runs); its effects run after the lock is released, since
        // switching an exporter can take the lock again.
        func apply(_ message: UIMessage) {
            let (w, h) = terminal.size
            let effects: [UIEffect] = shown().readForView { model in
                var context = UIContext(model: model, exporters: exporters, width: w, height: h, now: .now())
                context.filterCache = filterCache
                context.history = historySupport()
                let (next, effects) = UIUpdate.update(state, message, context: context)
                // A growing recording is read again each time stepping starts.
                if options.historyRefreshes, next.stepping == nil { history = nil }
                state = next
                return effects
            }
            for effect in effects {
                switch effect {
                case .quit(let code):
                    status = code
                case .setTheme(let index):
                    theme = options.themes[index % max(1, options.themes.count)]
                    state.statusMessage = "theme: \(theme.name)"
                    state.statusMessageAt = .now()
                case .copyToClipboard(let text):
                    // Between frames: the last `draw` has flushed all of its bytes.
                    if !terminal.setClipboard(text) {
                        state.statusMessage = "could not write to the terminal: nothing was copied"
                        state.statusMessageAt = .now()
                    }
                case .listSessions:
                    apply(browser?.sessions() ?? .pickerRows([], hits: false, note: "this session records nothing (--no-record)"))
                case .searchSessions(let text):
                    apply(browser?.search(text) ?? .pickerRows([], hits: true, note: "no recording to search"))
                case .openSession(let id, let runID):
                    guard let browser else { break }
                    do {
                        let opened = try browser.open(id)
                        picked = (opened.engine, opened.history)
                        history = nil
                        apply(.viewing(label: opened.label, runID: runID, picked: true))
                    } catch {
                        state.statusMessage = "cannot open session \(id): \(error)"
                        state.statusMessageAt = .now()
                    }
                case .backToLive:
                    picked = nil
                    history = nil
                    apply(.viewing(label: options.recordedSession, runID: nil, picked: false))
                case .loadHistory(let action):
                    do {
                        history = try picked.map { try $0.history() } ?? options.historyLoader?()
                    } catch {
                        state.statusMessage = "cannot replay the session: \(error)"
                        state.statusMessageAt = .now()
                    }
                    if history != nil { apply(.perform(action)) }
                case .exportRun(let export):
                    state.statusMessage = writeExport(export, environment: options.environment)
                    state.statusMessageAt = .now()
                case .setExporter(let name, let enabled):
                    // Applied at once: the manager starts or stops queueing for it now.
                    if let problem = engine.setExporter(name, enabled: enabled) {
                        state.statusMessage = problem
                    } else {
                        state.statusMessage = "exporter \(name) \(enabled ? "on" : "off")"
                    }
                    state.statusMessageAt = .now()
                    exporters = ExporterRow.rows(
                        statistics: engine.exporterStatistics(), registry: registry, environment: options.environment,
                        notInstalled: notInstalled)
                }
            }
        }

        var lastRender = clock.now - .seconds(1)
        var lastDetectorCheck = clock.now
        var drawnGeneration: UInt64?
        var lastExporters: [ExporterRow] = []
        var inputSinceRender = true
        while !state.quit {
            // Input first: every key pending is handled before the next frame, so a flood
            // of events can delay a frame by at most one read timeout, never a key.
            var reads = 0
            while reads < 64, let event = terminal.readInput(timeoutMs: reads == 0 ? inputTimeoutMs : 0) {
                apply(.input(event))
                reads += 1
                inputSinceRender = true
                if state.quit { break }
            }
            if state.quit { break }
            if !state.streamEnded, ended.isSet {
                apply(.streamEnded)
                inputSinceRender = true
            }

            let now = clock.now
            guard now - lastFrame >= frameInterval else { continue }
            lastFrame = now
            engine.syncExporterProblems()
            // The detectors' time-based rules, about once a second (their findings move the
            // model's generation, so the frame below shows them).
            if now - lastDetectorCheck >= .seconds(1) {
                lastDetectorCheck = now
                engine.checkDetectors()
            }
            exporters = ExporterRow.rows(
                statistics: engine.exporterStatistics(), registry: registry, environment: options.environment,
                notInstalled: notInstalled)
            let before = state
            state.recording = recordingIndicator()
            apply(.tick(.now()))
            // One short read under the engine's lock: the frame's view-model, only when
            // something moved. An idle monitor costs nothing: no key came, the model's
            // generation and the exporters did not move and the state is unchanged — but
            // it still redraws a few times a second for the clock and running durations.
            let quietUI = !inputSinceRender && exporters == lastExporters && state == before
            let recent = now - lastRender < .milliseconds(250)
            let (w, h) = terminal.size
            let frameTime = Timestamp.now()
            let frame: UIFrame? = shown().readForView { model in
                if quietUI && recent && model.generation == drawnGeneration { return nil }
                drawnGeneration = model.generation
                return UIFrame(model: model, ui: state, size: (w, h), now: frameTime, filterCache: filterCache)
            }
            guard let frame else { continue }
            lastRender = now
            lastExporters = exporters
            inputSinceRender = false
            terminal.draw(UIRender.render(frame: frame, ui: state, exporters: exporters, theme: theme))
        }
        return (status, logPath)
    }

    /// Writes `export` to a new file in the export directory; the footer's words for it.
    /// Built here, after the engine's lock is released: the runs were copied out under it.
    private static func writeExport(_ export: RunExport, environment: [String: String]) -> String {
        let bytes = export.ndjson()
        let directory = ExportFile.directory(environment: environment)
        do {
            let path = try ExportFile.write(bytes, runID: export.root.id, at: .now(), directory: directory)
            let runs = export.runs.count == 1 ? "1 run" : "\(export.runs.count) runs"
            let missing = export.evictedCalls > 0 ? " (\(export.evictedCalls) evicted calls are not in it)" : ""
            return "exported \(runs) → \(path)\(missing)"
        } catch {
            return "export failed: \(error)"
        }
    }
}
