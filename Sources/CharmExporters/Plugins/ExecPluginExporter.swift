import CharmTelemetry

/// An exporter that is a separate executable: `charm-telemetry-NAME`, fed NDJSON on stdin.
///
/// Each hook writes one line: the event's `telemetry` object, compact. The plugin may write
/// health lines on stdout (see `PluginReport`); its stderr's last lines are kept for the
/// monitor. Nothing the plugin does reaches the caller: lines go through a bounded buffer
/// and a writer thread, a full buffer drops and counts, and a plugin that exits is restarted
/// with exponential backoff (given up on after `Options.maxRestarts` in a row, when set).
/// See docs/plugins.md for the protocol.
package final class ExecPluginExporter: TelemetryExporter, ExporterStatusReporting {
    /// Tuning for the buffer, the restarts and the stderr tail.
    package struct Options: Sendable {
        /// Lines waiting for the plugin before new ones are dropped.
        package var bufferCapacity: Int
        /// Lines of the plugin's stderr kept.
        package var stderrLines: Int
        /// The first restart delay; each exit in a row doubles it.
        package var initialBackoff: Duration
        /// The longest restart delay.
        package var maxBackoff: Duration
        /// A run this long resets the backoff.
        package var stableAfter: Duration
        /// Restarts in a row after which the plugin is given up on; nil (the default)
        /// restarts it forever. A plugin given up on drops (and counts) every line.
        package var maxRestarts: Int?
        /// After giving up: nil keeps the plugin down until shutdown; a duration rests that
        /// long, then starts it again with a fresh count of restarts.
        package var retryAfterGivingUp: Duration?
        /// Whether `flush` waits for acks before the plugin has sent one (the bridge acks always).
        package var acknowledges: Bool
        /// How long a plugin gets to exit after its stdin closes at shutdown.
        package var shutdownGrace: Duration

        /// Options with every field given; the defaults suit a live agent.
        package init(
            bufferCapacity: Int = 4096, stderrLines: Int = 50, initialBackoff: Duration = .milliseconds(500),
            maxBackoff: Duration = .seconds(30), stableAfter: Duration = .seconds(10), maxRestarts: Int? = nil,
            retryAfterGivingUp: Duration? = nil, acknowledges: Bool = false, shutdownGrace: Duration = .seconds(2)
        ) {
            self.bufferCapacity = max(1, bufferCapacity)
            self.stderrLines = max(0, stderrLines)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.stableAfter = stableAfter
            self.maxRestarts = maxRestarts
            self.retryAfterGivingUp = retryAfterGivingUp
            self.acknowledges = acknowledges
            self.shutdownGrace = shutdownGrace
        }
    }

    /// The exporter's name, as charm.yaml names it.
    package let name: String
    /// The executable run.
    package let executable: String
    /// Its arguments.
    package let arguments: [String]
    private let process: PluginProcess

    /// Starts `executable` with `arguments` and `environment` (plus `CHARM_TELEMETRY_PLUGIN=name`).
    package init(
        name: String, executable: String, arguments: [String] = [], environment: [String: String],
        options: Options = Options()
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        process = PluginProcess(
            label: name, executable: executable, arguments: arguments, environment: environment,
            options: PluginProcess.Options(
                bufferCapacity: options.bufferCapacity, stderrLines: options.stderrLines,
                restart: RestartPolicy(
                    backoff: Backoff(initial: options.initialBackoff, cap: options.maxBackoff, jitter: false),
                    stableAfter: options.stableAfter, maxRestarts: options.maxRestarts,
                    afterGivingUp: options.retryAfterGivingUp.map { .retry(after: $0) } ?? .stayDown),
                acknowledges: options.acknowledges, shutdownGrace: options.shutdownGrace))
    }

    /// The registry entry for a discovered plugin.
    package static func descriptor(for plugin: PluginDiscovery.Plugin, options: Options = Options()) -> ExporterDescriptor {
        ExporterDescriptor(name: plugin.name, summary: "exec plugin \(plugin.path)") { context in
            ExecPluginExporter(name: plugin.name, executable: plugin.path, environment: context.environment, options: options)
        }
    }

    /// Queues the event's `telemetry` object as one line; never blocks.
    package func handle(_ event: TelemetryEvent) throws {
        var line: [UInt8] = []
        line.reserveCapacity(160)
        JSONWriter.writeObject(event.telemetryObject, into: &line, style: .compact)
        process.send(line)
    }

    /// Waits until every line is written to the plugin and, if it acks, acknowledged.
    package func flush(deadline: ContinuousClock.Instant) -> Bool {
        process.flush(deadline: deadline)
    }

    /// Closes the plugin's stdin and stops it (signalling its process group if it lingers).
    package func shutdown() {
        process.stop()
    }

    /// Health from the plugin's own lines, or failing while it is down; lines buffered,
    /// dropped (ours plus the plugin's own) and written.
    package var status: ExporterStatus {
        let s = process.snapshot
        var st = ExporterStatus(
            health: s.report.health ?? .ok, buffered: s.buffered, dropped: s.dropped + (s.report.dropped ?? 0),
            sent: s.report.sent ?? s.written, lastError: s.report.error)
        if let down = s.downMessage, !s.running {
            st.health = .failing
            st.lastError = down
        } else if let failure = s.lastFailure, !s.running {
            // Down for good (stopped) after failing on its own: still failing, and why.
            st.health = .failing
            st.lastError = s.report.error.map { "\(failure): \($0)" } ?? failure
        }
        return st
    }

    /// Stops every exec plugin process (and Python bridge) of this process at once: stdin
    /// closed, SIGTERM to each one's process group, SIGKILL after `grace` to any still
    /// running; none is restarted. For a program whose orderly `TelemetryManager.shutdown`
    /// was cut short (the monitor, on a second signal), so no plugin outlives it.
    package static func stopAllProcesses(grace: Duration = .milliseconds(500)) {
        PluginProcess.stopAllNow(grace: grace)
    }

    /// The last lines the plugin wrote on stderr (and stdout lines that were not reports).
    package var recentStderr: [String] { process.snapshot.stderr }
    /// How many times the plugin has exited (or failed to start) and been scheduled again.
    package var restarts: Int { process.snapshot.restarts }
    /// The running process's id, or nil while it is down.
    package var processID: Int32? { process.snapshot.pid }
    /// Lines written to the plugin so far, across restarts.
    package var linesWritten: Int { process.snapshot.written }
}
