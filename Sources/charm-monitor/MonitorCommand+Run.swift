#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CharmDemo
import CharmExporters
import CharmMonitorCore
import CharmRecording
import CharmSources
import CharmTelemetry
import CharmWire
import Foundation

extension MonitorCommand {
    /// Runs the monitor and ends with its exit code (0 ok, 1 a source failed, 2 usage, 3 an
    /// exporter lost events).
    func run() async throws {
        let status = await execute()
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs the monitor; returns the process exit code.
    func execute() async -> Int32 {
        // Built-in exporters first, then exec plugins and Charm's Python entry points, by name.
        CharmExporters.registerBuiltins(in: .shared)
        let enabled: [String]
        do {
            enabled = try exporterNames()
        } catch {
            warn("\(error)")
            return 2
        }
        // Discovery starts Python to list its entry points (0.1–0.3 s before the first event is
        // read). The screen lists what it finds, so it always runs there; headless needs it
        // only for a name no built-in has.
        let builtins = Set(ExporterRegistry.shared.names).union([CharmEmitterExporter.name])
        if !headless || enabled.contains(where: { !builtins.contains($0) }) {
            CharmExporters.registerDiscoveredPlugins(in: .shared, environment: ProcessInfo.processInfo.environment)
        }
        let manager = TelemetryManager(enabledExporters: enabled, registry: .shared, emitter: nil)
        let prices: PriceTable
        let rules: DetectorRules
        do {
            prices = try priceTable()
            rules = try detectorRules()
        } catch {
            warn("\(error)")
            return 2
        }
        let (recorder, recordingNote) = startRecording(prices: prices)
        let engine = MonitorEngine(manager: manager, limits: limits, recorder: recorder)
        engine.setPrices(prices)
        engine.setRules(rules)

        let specs: [SourceSpec]
        do {
            specs = try sourceSpecs()
        } catch {
            warn("\(error)")
            return 2
        }
        guard !specs.isEmpty || wantsOTLP else {
            warn("no sources: pipe events into stdin, or give --file, --listen, --sse, --otlp or --demo (see --help)")
            recorder?.close()
            return 2
        }
        guard headless else {
            return await startInteractive(engine: engine, specs: specs, recorder: recorder, recordingNote: recordingNote)
        }
        return await runHeadless(engine: engine, specs: specs, recorder: recorder)
    }

    // MARK: Interactive (the front end plugs in here)

    /// The ncurses front end: starts the sources, runs the UI loop until `q` or a signal,
    /// then stops the sources and flushes the exporters (see InteractiveUI.swift).
    private func startInteractive(
        engine: MonitorEngine, specs: [SourceSpec], recorder: SessionRecorder?, recordingNote: String?
    ) async -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let (themes, themeProblem) = ThemeChoice.load(requested: theme)
        var notes: [String] = []
        if let recordingNote { notes.append(recordingNote) }
        if let themeProblem {
            // Printed before the screen is taken, so it is still there after quitting.
            warn("theme: \(themeProblem); using the default theme")
            notes.append("theme \(themeProblem)")
        }
        let hub = SourceHub(sink: makeSink(engine: engine, specs: specs), sseConnectTimeout: sseTimeout)
        for spec in specs {
            do {
                let started = try await hub.start(spec)
                if let port = started.port { notes.append("listening on \(started.name) (port \(port))") }
            } catch {
                warn("\(error)")
                notes.append("\(error)")
                engine.sourceChanged(SourceID(spec.displayName), to: .failed, error: "\(error)")
            }
        }
        var receivers: OTLPReceivers?
        if wantsOTLP {
            do {
                let r = try await startOTLP(engine: engine)
                notes += r.announcements
                receivers = r
            } catch {
                warn("\(error)")
                notes.append("\(error)")
            }
        }
        let ended = InteractiveUI.EndFlag()
        if specs.allSatisfy(\.isFinite) && !wantsOTLP {
            Task.detached {
                await hub.waitForFiniteSources()
                ended.set()
            }
        }
        var options = InteractiveUI.Options(
            themes: themes, startupMessage: notes.isEmpty ? nil : notes.joined(separator: " · "),
            keyboardFromTTY: isatty(STDIN_FILENO) == 0, environment: environment)
        options.recorder = recorder
        if let recorder {
            // What the recording holds so far (it trails the screen by its commit interval),
            // read again each time stepping starts.
            // After what the screen shows is committed: the writer trails it by up to its
            // commit interval, and a step right after the stream ended must see its end.
            let load = StepHistoryLoaders.recording(path: recorder.path, sessionID: recorder.sessionID)
            options.historyLoader = {
                recorder.sync(upTo: .seconds(5))
                return try load()
            }
            options.historyNeedsEnd = false
            options.historyRefreshes = true
        } else {
            options.historyLoader = StepHistoryLoaders.files(specs: specs, otlp: wantsOTLP, engine: engine)
        }
        options.recordingDatabase = recorder?.path ?? recordingPath ?? RecordingDatabase.defaultPath()
        let (status, logPath) = await InteractiveUI.run(engine: engine, options: options, ended: ended)
        hub.stop()
        await receivers?.stop()
        // The UI is gone: a signal now can only mean "stop waiting for the exporters".
        let signals = SignalWatcher {}
        defer { signals.cancel() }
        let ending = await endExporters(
            engine: engine, timeout: .milliseconds(Int64(min(flushTimeout, 5) * 1000)), signals: signals)
        _ = reportExporters(engine: engine, ending: ending)
        if let recorder {
            let stats = recorder.close(exporters: engine.headlessSummary()["exporters"])
            reportRecording(stats)
        }
        if let logPath, let size = (try? FileManager.default.attributesOfItem(atPath: logPath))?[.size] as? Int, size > 0 {
            warn("stderr while the UI was up is in \(logPath)")
        }
        return status
    }

    // MARK: Headless

    private func runHeadless(engine: MonitorEngine, specs: [SourceSpec], recorder: SessionRecorder?) async -> Int32 {
        let hub = SourceHub(sink: makeSink(engine: engine, specs: specs), sseConnectTimeout: sseTimeout)
        let signals = SignalWatcher { hub.stop() }
        defer { signals.cancel() }
        // Sources whose failure was printed when they failed to start: not printed again.
        var reported = Set<String>()
        var unendingStarted = 0
        for spec in specs {
            do {
                let started = try await hub.start(spec)
                if let port = started.port { warn("listening on \(started.name) (port \(port))") }
                if !spec.isFinite { unendingStarted += 1 }
            } catch {
                warn("\(error)")
                reported.insert(spec.displayName)
            }
        }
        var receivers: OTLPReceivers?
        var otlpFailed = false
        if wantsOTLP {
            do {
                let r = try await startOTLP(engine: engine)
                for line in r.announcements { warn(line) }
                receivers = r
                unendingStarted += 1
            } catch {
                warn("\(error)")
                otlpFailed = true
            }
        }
        // The detectors' time-based rules, about once a second while sources run.
        let checker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                engine.checkDetectors()
            }
        }
        // Waiting for a signal only makes sense while something that never ends by itself is
        // running: with every listener failed, there is nothing left to wait for.
        if (specs.allSatisfy(\.isFinite) && receivers == nil) || unendingStarted == 0 {
            await hub.waitForFiniteSources()
        } else {
            await signals.wait()
        }
        hub.stop()
        // Spans still waiting for a parent go out now, before the runs left open are ended.
        await receivers?.stop()
        checker.cancel()
        // Once more at the end, before the runs left open are ended as unfinished.
        engine.checkDetectors()

        let ending = await endExporters(engine: engine, timeout: .milliseconds(Int64(flushTimeout * 1000)), signals: signals)
        let model = engine.snapshot()
        for s in model.orderedSources where s.state == .failed && !reported.contains(s.id.description) {
            warn("\(s.id): \(s.lastError ?? "failed")")
        }
        if model.counters.oversized > 0 {
            warn("\(model.counters.oversized) line(s) or SSE frame(s) over the \(StreamDecoder.defaultMaxLineLength >> 20) MiB limit were skipped (\"oversized\" in the summary)")
        }
        let lost = reportExporters(engine: engine, ending: ending)
        var summary = engine.headlessSummary()
        if let recorder, case .object(var o) = summary {
            // Closed after the runs left open were ended, so the recording holds that too.
            let stats = recorder.close(exporters: o["exporters"])
            reportRecording(stats)
            o["recording"] = stats.json
            summary = .object(o)
        }
        var out = Array(JSONWriter.compact(summary).utf8)
        out.append(0x0A)
        out.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(1, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        // A source that failed at any point (not only at opening: an SSE stream given up on
        // after a drop too) means the summary may be incomplete.
        if hub.openFailures > 0 || hub.failedSources > 0 || otlpFailed { return 1 }
        // A CI gate: a detector it names fired (the same status as a loss; docs/headless.md).
        let failOn = (try? failOnRules()) ?? []
        if !failOn.isEmpty, model.anyFinding(of: failOn) {
            let fired = failOn.sorted().filter { (model.counters.findings[$0] ?? 0) > 0 }.map(\.rawValue)
            warn("--fail-on: \(fired.joined(separator: ", ")) fired (see \"findings\" in the summary)")
            return MonitorCommand.exitExportLoss
        }
        return lost ? MonitorCommand.exitExportLoss : 0
    }

    // MARK: Ending the exporters

    /// The exit status when every source opened but an exporter lost something (events
    /// dropped, hooks failed, something still held at the deadline, or an exporter ending
    /// failing): see docs/headless.md.
    static let exitExportLoss: Int32 = 3

    /// How the exporters' shutdown ended.
    struct ExporterEnding: Sendable {
        /// The shutdown's report, or nil when a signal cut it short.
        var report: TelemetryManager.FlushReport?
        /// The deadline given, for messages.
        var timeout: Duration
        /// Runs ended as unfinished.
        var unfinishedRuns: Int
    }

    /// Ends open runs as unfinished, then shuts every exporter down within `timeout`
    /// (exec plugins stopped, span exporters' open spans sent). The shutdown blocks, so it
    /// runs on its own thread while this waits for it or for a signal, whichever comes
    /// first: a signal during the shutdown ends the wait at once (what is still held is
    /// reported as lost) instead of being ignored until the deadline.
    func endExporters(engine: MonitorEngine, timeout: Duration, signals: SignalWatcher) async -> ExporterEnding {
        let unfinished = engine.finishOpenRuns()
        // The first signal may have been the one that stopped the sources (headless with a
        // listener or a followed file); any signal beyond it, even one that came before the
        // shutdown began, means "stop waiting".
        let seen = min(signals.received, 1)
        let race = FirstOf<TelemetryManager.FlushReport?>()
        let thread = Thread { race.finish(engine.shutdown(timeout: timeout)) }
        thread.name = "charm-monitor exporter shutdown"
        thread.start()
        let watcher = Task {
            await signals.waitForSignal(beyond: seen)
            race.finish(nil)
        }
        let report = await race.value()
        watcher.cancel()
        // Cut short: the exporters' own shutdown will not get to stopping their plugins, and
        // nothing may outlive the monitor.
        if report == nil { ExecPluginExporter.stopAllProcesses() }
        return ExporterEnding(report: report, timeout: timeout, unfinishedRuns: unfinished)
    }

    /// Prints one line per exporter on stderr (delivered, dropped, failed, still held, last
    /// error, and why it missed the deadline), plus the manager's warnings; returns whether
    /// anything was lost.
    func reportExporters(engine: MonitorEngine, ending: ExporterEnding) -> Bool {
        for w in engine.manager.warnings { warn(w) }
        let stats = engine.exporterStatistics()
        let unfinished = Set(ending.report?.unfinished ?? [])
        var lost = false
        let seconds = Double(ending.timeout.components.seconds) + Double(ending.timeout.components.attoseconds) / 1e18
        if ending.report == nil { warn("exporter shutdown interrupted by a signal: what they still held is lost") }
        for st in stats where st.unavailableReason == nil {
            var line = "exporter '\(st.name)': delivered \(st.delivered), dropped \(st.dropped), failed \(st.failed)"
            if st.queued > 0 { line += ", \(st.queued) still held" }
            if unfinished.contains(st.name) { line += "; missed the \(seconds)s deadline" }
            if ending.report == nil && st.queued > 0 { line += "; interrupted" }
            if st.health == .failing { line += "; failing" }
            if let e = st.lastError { line += "; last error: \(e)" }
            warn(line)
            if st.lostSomething || unfinished.contains(st.name) || st.health == .failing { lost = true }
        }
        return lost
    }

    /// The sink, with the sources that can wait for the exporters (stdin and files read to
    /// their end) marked so: their events are never dropped for a full exporter queue.
    private func makeSink(engine: MonitorEngine, specs: [SourceSpec]) -> EngineSink {
        var waiting = Set<String>()
        for spec in specs {
            switch spec {
            case .stdin: waiting.insert(spec.displayName)
            case .file(_, let follow, _) where !follow: waiting.insert(spec.displayName)
            default: break
            }
        }
        // An exporter that takes nothing from its full queue for the flush timeout is taken
        // as hung (its events are then dropped and counted): the replay never stops for it.
        return EngineSink(engine: engine, waiting: waiting, hungAfter: .milliseconds(Int64(flushTimeout * 1000)))
    }

    // MARK: Wiring

    /// The shipped prices with the user's over them: `--prices` (which must load), else the
    /// user's file when there is one (a broken one is reported and passed over).
    private func priceTable() throws -> PriceTable {
        if let pricesPath { return try PriceTable.builtin.overridden(byFile: pricesPath) }
        guard let path = PriceTable.userFile(), FileManager.default.fileExists(atPath: path) else { return .builtin }
        do {
            return try PriceTable.builtin.overridden(byFile: path)
        } catch {
            warn("\(error); using the shipped prices")
            return .builtin
        }
    }

    /// The detectors' thresholds: `--rules` wins; otherwise charm.yaml's `monitor.rules`
    /// (with `--config`); otherwise the defaults. A file that cannot be used is a usage error.
    private func detectorRules() throws -> DetectorRules {
        if let rulesPath { return try DetectorRules.load(path: rulesPath) }
        if let config { return try DetectorRules.load(charmYAML: config) }
        return .standard
    }

    /// Whether any OTLP receiver was asked for.
    var wantsOTLP: Bool { otlpAddresses.http != nil || otlpAddresses.grpc != nil }

    private func startOTLP(engine: MonitorEngine) async throws -> OTLPReceivers {
        try await OTLPReceivers.start(engine: engine, http: otlpAddresses.http, grpc: otlpAddresses.grpc, token: token)
    }

    /// `--exporters` wins; otherwise charm.yaml's runtime.telemetry; otherwise none.
    private func exporterNames() throws -> [String] {
        if let exporters {
            return exporters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let config { return try CharmConfig.load(path: config).telemetry }
        return []
    }

    private func sourceSpecs() throws -> [SourceSpec] {
        var specs: [SourceSpec] = []
        if !noStdin && StandardInput.isPipeOrFile { specs.append(.stdin) }
        for f in files { specs.append(.file(path: f, follow: follow, replaySpeed: replay)) }
        for l in listens {
            switch try ListenAddress.parse(l) {
            case .unix(let path): specs.append(.unix(path: path))
            case .tcp(let host, let port): specs.append(.tcp(host: host, port: port, token: token))
            }
        }
        for u in sseURLs { specs.append(.sse(url: u, maxRetries: sseRetries)) }
        if demo {
            let options = DemoOptions(seed: demoSeed, pace: demoPace, sessions: demoSessions)
            guard let stream = DemoWiring.makeStream(options: options) else {
                throw ValidationError("--demo: cannot create a pipe for the simulated agent")
            }
            specs.append(.demo(name: "demo", bytes: stream))
        }
        return specs
    }
}

/// Adapts the engine to the sources' sink protocol.
struct EngineSink: SourceSink {
    let engine: MonitorEngine
    /// Sources that can wait for room in the exporters' queues (finite: stdin, files read to
    /// their end); live sources (listeners, followed files, SSE, demo) cannot, and drop.
    var waiting: Set<String> = []
    /// When a waiting source gives up on an exporter that takes nothing.
    var hungAfter: Duration = .seconds(10)

    func deliver(_ records: [DecodedRecord], from source: String) {
        if waiting.contains(source) {
            engine.ingestWaiting(records, from: SourceID(source), upTo: hungAfter)
        } else {
            engine.ingest(records, from: SourceID(source))
        }
    }

    func stateChanged(_ state: SourceState, of source: String, error: String?) {
        engine.sourceChanged(SourceID(source), to: state, error: error)
    }
}

/// Whether standard input carries data (a pipe, a file or a socket), not a terminal or /dev/null.
enum StandardInput {
    static var isPipeOrFile: Bool {
        var st = stat()
        guard fstat(0, &st) == 0 else { return false }
        let kind = st.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFREG || kind == S_IFSOCK
    }
}

/// Writes a line to stderr, prefixed with the program's name.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("charm-monitor: \(message)\n".utf8))
}
