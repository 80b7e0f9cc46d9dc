#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CharmDemo
import CharmExporters
import CharmMonitorCore
import CharmSources
import CharmTelemetry
import Foundation

extension MonitorCommand {
    /// Runs the monitor and ends with its exit code (0 ok, 1 a source failed, 2 usage).
    func run() async throws {
        let status = await execute()
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs the monitor; returns the process exit code.
    func execute() async -> Int32 {
        // Built-in exporters first, then exec plugins and Charm's Python entry points, by name.
        CharmExporters.registerBuiltins(in: .shared)
        CharmExporters.registerDiscoveredPlugins(in: .shared, environment: ProcessInfo.processInfo.environment)

        let enabled: [String]
        do {
            enabled = try exporterNames()
        } catch {
            warn("\(error)")
            return 2
        }
        let manager = TelemetryManager(enabledExporters: enabled, registry: .shared, emitter: nil)
        let engine = MonitorEngine(manager: manager, limits: limits)

        let specs: [SourceSpec]
        do {
            specs = try sourceSpecs()
        } catch {
            warn("\(error)")
            return 2
        }
        guard !specs.isEmpty else {
            warn("no sources: pipe events into stdin, or give --file, --listen, --sse or --demo (see --help)")
            return 2
        }
        guard headless else { return await startInteractive(engine: engine, specs: specs) }
        return await runHeadless(engine: engine, specs: specs)
    }

    // MARK: Interactive (the front end plugs in here)

    /// The ncurses front end: starts the sources, runs the UI loop until `q` or a signal,
    /// then stops the sources and flushes the exporters (see InteractiveUI.swift).
    private func startInteractive(engine: MonitorEngine, specs: [SourceSpec]) async -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let (themes, themeProblem) = ThemeChoice.load(requested: theme)
        var notes: [String] = []
        if let themeProblem {
            // Printed before the screen is taken, so it is still there after quitting.
            warn("theme: \(themeProblem); using the default theme")
            notes.append("theme \(themeProblem)")
        }
        let hub = SourceHub(sink: EngineSink(engine: engine), sseConnectTimeout: sseTimeout)
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
        let ended = InteractiveUI.EndFlag()
        if specs.allSatisfy(\.isFinite) {
            Task.detached {
                await hub.waitForFiniteSources()
                ended.set()
            }
        }
        let options = InteractiveUI.Options(
            themes: themes, startupMessage: notes.isEmpty ? nil : notes.joined(separator: " · "),
            keyboardFromTTY: isatty(STDIN_FILENO) == 0, environment: environment)
        let (status, logPath) = await InteractiveUI.run(engine: engine, options: options, ended: ended)
        hub.stop()
        let report = engine.flush(timeout: .milliseconds(Int64(min(flushTimeout, 5) * 1000)))
        if !report.complete {
            warn("exporters that missed the flush deadline: \(report.unfinished.joined(separator: ", "))")
        }
        if let logPath, let size = (try? FileManager.default.attributesOfItem(atPath: logPath))?[.size] as? Int, size > 0 {
            warn("stderr while the UI was up is in \(logPath)")
        }
        return status
    }

    // MARK: Headless

    private func runHeadless(engine: MonitorEngine, specs: [SourceSpec]) async -> Int32 {
        let hub = SourceHub(sink: EngineSink(engine: engine), sseConnectTimeout: sseTimeout)
        let signals = SignalWatcher { hub.stop() }
        defer { signals.cancel() }
        for spec in specs {
            do {
                let started = try await hub.start(spec)
                if let port = started.port { warn("listening on \(started.name) (port \(port))") }
            } catch {
                warn("\(error)")
            }
        }
        if specs.allSatisfy(\.isFinite) {
            await hub.waitForFiniteSources()
        } else {
            await signals.wait()
        }
        hub.stop()

        let report = engine.flush(timeout: .milliseconds(Int64(flushTimeout * 1000)))
        if !report.complete {
            warn("exporters that missed the \(flushTimeout)s flush deadline: \(report.unfinished.joined(separator: ", "))")
        }
        engine.syncExporterProblems()
        let model = engine.snapshot()
        for s in model.orderedSources where s.state == .failed {
            warn("\(s.id): \(s.lastError ?? "failed")")
        }
        for e in model.errors where e.kind == .exporter { warn(e.message) }
        var out = Array(JSONWriter.compact(model.headlessSummary()).utf8)
        out.append(0x0A)
        out.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(1, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        return hub.openFailures > 0 ? 1 : 0
    }

    // MARK: Wiring

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

    func deliver(_ records: [DecodedRecord], from source: String) {
        engine.ingest(records, from: SourceID(source))
    }

    func phaseChanged(_ phase: SourcePhase, of source: String, error: String?) {
        engine.sourceChanged(SourceID(source), to: SourceState(rawValue: phase.rawValue) ?? .failed, error: error)
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
