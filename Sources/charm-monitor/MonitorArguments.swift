import ArgumentParser
import CharmMonitorCore
import CharmRecording
import CharmSources
import CharmTelemetry

/// `charm-monitor [watch]`: the monitor itself, the root's default subcommand. Parsing only;
/// `MonitorCommand+Run.swift` does the work.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch AI-agent runs live in the terminal UI, or headless (the default subcommand).",
        discussion: """
            Sources: standard input when it is a pipe or a file, --file, --listen, --sse, --otlp, --demo; \
            any number at once, each shown under its own name.
            Exit codes: 0 ok, 1 a source failed to open, 2 usage error, 3 (headless) an exporter lost \
            events (dropped, failed, or not delivered by the --flush-timeout deadline), or a detector \
            named by --fail-on fired.
            """)

    @Flag(help: "No UI: read every source to its end (or until SIGINT/SIGTERM) and print one JSON summary.")
    var headless = false

    @Option(name: .customLong("file"), help: ArgumentHelp("Read a file (repeatable).", valueName: "path"))
    var files: [String] = []

    @Flag(help: "Keep reading files as they grow, across truncation and rotation (like tail -F).")
    var follow = false

    @Option(help: ArgumentHelp(
        "Pace files by their events' telemetry timestamps, SPEED times faster (1: the recorded pace).",
        valueName: "speed"))
    var replay: Double?

    @Option(name: .customLong("listen"), help: ArgumentHelp(
        "Accept producers on unix:PATH or tcp:HOST:PORT (repeatable; TCP is loopback-only by default).",
        valueName: "address"))
    var listens: [String] = []

    @Flag(help: ArgumentHelp(
        "Receive OpenTelemetry from any agent: OTLP/HTTP on 127.0.0.1:4318 and OTLP/gRPC on 127.0.0.1:4317 (docs/otlp.md)."))
    var otlp = false

    @Option(name: .customLong("otlp-http"), help: ArgumentHelp(
        "Receive OTLP/HTTP on HOST:PORT alone (port 0: a free port, printed on stderr).", valueName: "host:port"))
    var otlpHTTP: String?

    @Option(name: .customLong("otlp-grpc"), help: ArgumentHelp(
        "Receive OTLP/gRPC on HOST:PORT alone (port 0: a free port, printed on stderr).", valueName: "host:port"))
    var otlpGRPC: String?

    @Option(name: .customLong("prices"), help: ArgumentHelp(
        "Model prices over the shipped table (default: ~/.config/charm-monitor/prices.yaml when present).",
        valueName: "path"))
    var pricesPath: String?

    @Flag(help: "Allow a non-loopback --listen tcp or OTLP address (requires --token).")
    var allowRemote = false

    @Option(help: ArgumentHelp(
        "Access token: the first line of every TCP producer, and the bearer token of every OTLP request.",
        valueName: "token"))
    var token: String?

    @Option(name: .customLong("sse"), help: ArgumentHelp("Follow a Charm runner's SSE stream (repeatable).", valueName: "url"))
    var sseURLs: [String] = []

    @Option(help: "Reconnect attempts in a row before an SSE source gives up.")
    var sseRetries = 5

    @Option(help: ArgumentHelp("Seconds one SSE attempt may take to connect and get the response head.", valueName: "seconds"))
    var sseTimeout: Double = 5

    @Flag(help: "Run the simulated agent in-process as a source.")
    var demo = false

    @Option(help: "--demo: sessions to simulate (default: until interrupted).")
    var demoSessions: Int?

    @Option(help: "--demo: speed factor (1 realistic, 10 ten times faster, 0 no pauses).")
    var demoPace: Double = 1

    @Option(help: "--demo: seed of every random choice.")
    var demoSeed: UInt64 = 42

    @Option(help: ArgumentHelp(
        "Theme by name (themes/, $CHARM_MONITOR_THEMES, ~/.config/charm-monitor/themes) or path to a .yaml file.",
        valueName: "name|path"))
    var theme: String?

    @Flag(help: "Ignore standard input even when it is a pipe.")
    var noStdin = false

    @Option(help: ArgumentHelp("Exporters to enable, comma separated (overrides --config).", valueName: "a,b"))
    var exporters: String?

    @Option(help: ArgumentHelp("charm.yaml whose runtime.telemetry names the exporters to enable.", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("Seconds to wait for exporters to deliver before exiting.", valueName: "seconds"))
    var flushTimeout: Double = 10

    @Option(name: .customLong("record"), help: ArgumentHelp(
        "Record the session to this SQLite file (interactive sessions record by default to $XDG_DATA_HOME/charm-monitor/sessions.sqlite; headless only with this).",
        valueName: "path"))
    var recordPath: String?

    @Flag(help: "Do not record this session.")
    var noRecord = false

    @Option(help: ArgumentHelp(
        "Size cap of the recording database (e.g. 500M, 2G); the oldest sessions are pruned past it.", valueName: "size"))
    var recordMaxSize = "1G"

    @Option(name: .customLong("rules"), help: ArgumentHelp(
        "Detector thresholds (YAML, the shape of charm.yaml's monitor.rules; see docs/monitor.md).", valueName: "path"))
    var rulesPath: String?

    @Option(name: .customLong("fail-on"), help: ArgumentHelp(
        "Headless: exit 3 when one of these detectors fired (any of loop, stall, error, budget).", valueName: "a,b"))
    var failOn: String?

    @Option(help: "Runs kept; the oldest finished go first.")
    var maxRuns = RetentionLimits.standard.maxRuns

    @Option(help: "Tool calls kept per run.")
    var maxToolCalls = RetentionLimits.standard.maxToolCallsPerRun

    @Option(help: "Bytes of streamed text kept per run (the start is dropped first).")
    var maxTextBytes = RetentionLimits.standard.maxTextBytesPerRun

    @Option(help: "Lines kept in the log of raw prints, thinking and status.")
    var maxLogLines = RetentionLimits.standard.maxLogLines

    @Option(help: "Error entries kept.")
    var maxErrors = RetentionLimits.standard.maxErrors

    mutating func validate() throws {
        if replay != nil && files.isEmpty { throw ValidationError("--replay needs at least one --file") }
        // Every number that becomes a Duration or a sleep is bounded here: `inf` or 1e300
        // would otherwise pass and trap later when converted.
        if let r = replay, !(r > 0 && r <= 1_000_000) { throw ValidationError("--replay SPEED must be greater than 0 and at most 1000000") }
        if follow && files.isEmpty { throw ValidationError("--follow needs at least one --file") }
        if !(flushTimeout >= 0 && flushTimeout <= 3_600) { throw ValidationError("--flush-timeout must be between 0 and 3600 seconds") }
        if recordPath != nil && noRecord { throw ValidationError("--record and --no-record cannot be used together") }
        if let p = recordPath, p.isEmpty { throw ValidationError("--record needs a file path") }
        if RecordingDatabase.parseSize(recordMaxSize) == nil {
            throw ValidationError("--record-max-size \(recordMaxSize): expected a size such as 500M, 2G or 1073741824")
        }
        if let n = demoSessions, n < 1 { throw ValidationError("--demo-sessions must be 1 or more") }
        if !(demoPace >= 0 && demoPace <= 1_000_000) { throw ValidationError("--demo-pace must be between 0 and 1000000") }
        if !(sseTimeout > 0 && sseTimeout <= 3_600) { throw ValidationError("--sse-timeout must be greater than 0 and at most 3600 seconds") }
        if sseRetries < 0 { throw ValidationError("--sse-retries must be 0 or more") }
        for (flag, value) in [("--max-runs", maxRuns), ("--max-tool-calls", maxToolCalls), ("--max-text-bytes", maxTextBytes),
                              ("--max-log-lines", maxLogLines), ("--max-errors", maxErrors)] where value < 1 {
            throw ValidationError("\(flag) must be 1 or more")
        }
        _ = try failOnRules()
        for l in listens {
            do {
                // Decided on addresses (a literal parsed, a name resolved, every address
                // loopback), never on how the text starts: see ListenAddress.isLoopback.
                if case .tcp(let host, _) = try ListenAddress.parse(l), !ListenAddress.isLoopback(host) {
                    guard allowRemote, let token, !token.isEmpty else {
                        throw ValidationError(
                            "--listen \(l): \(host) is not a loopback address (a name must resolve to loopback only); "
                                + "a non-loopback address needs --allow-remote and --token")
                    }
                }
            } catch let e as ListenAddress.ParseError {
                throw ValidationError("--listen \(e.description)")
            }
        }
        for (flag, address) in [("--otlp-http", otlpHTTP), ("--otlp-grpc", otlpGRPC)] {
            guard let address else { continue }
            guard case .tcp(let host, _) = try? ListenAddress.parse("tcp:" + address) else {
                throw ValidationError("\(flag) \(address): expected HOST:PORT with a port from 0 to 65535")
            }
            if !ListenAddress.isLoopback(host) && !(allowRemote && !(token ?? "").isEmpty) {
                throw ValidationError(
                    "\(flag) \(address): \(host) is not a loopback address; a non-loopback address needs --allow-remote and --token")
            }
        }
        for u in sseURLs where !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
            throw ValidationError("--sse \(u): expected an http:// or https:// URL")
        }
    }

    /// The OTLP addresses asked for: `--otlp` gives both standard ones, unless either is
    /// given alone.
    var otlpAddresses: (http: (host: String, port: Int)?, grpc: (host: String, port: Int)?) {
        func parse(_ a: String?) -> (host: String, port: Int)? {
            guard let a, case .tcp(let host, let port) = try? ListenAddress.parse("tcp:" + a) else { return nil }
            return (host, port)
        }
        if otlpHTTP != nil || otlpGRPC != nil { return (parse(otlpHTTP), parse(otlpGRPC)) }
        return otlp ? (("127.0.0.1", 4318), ("127.0.0.1", 4317)) : (nil, nil)
    }

    /// The detectors `--fail-on` names (`error` is the error storm); a name no detector has
    /// is a usage error.
    func failOnRules() throws -> Set<DetectorRule> {
        guard let failOn else { return [] }
        var rules = Set<DetectorRule>()
        for name in failOn.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let rule = DetectorRule(failOnName: name) else {
                throw ValidationError("--fail-on: unknown detector '\(name)' (known: loop, stall, error, budget)")
            }
            rules.insert(rule)
        }
        if rules.isEmpty { throw ValidationError("--fail-on needs at least one of loop, stall, error, budget") }
        return rules
    }

    /// The retention limits from the flags.
    var limits: RetentionLimits {
        RetentionLimits(
            maxRuns: maxRuns, maxToolCallsPerRun: maxToolCalls, maxTextBytesPerRun: maxTextBytes,
            maxLogLines: maxLogLines, maxErrors: maxErrors)
    }
}
