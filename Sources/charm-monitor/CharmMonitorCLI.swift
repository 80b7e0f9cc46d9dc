// charm-monitor: watch AI-agent runs from many sources at once, live or headless.
import ArgumentParser
import CharmTelemetry
import Foundation

/// The root command. `watch` is the default subcommand, so `charm-monitor --demo` and
/// `charm-monitor watch --demo` are the same; every other capability is a real subcommand.
@main
struct CharmMonitorCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charm-monitor",
        abstract: "Watch AI-agent runs (Charm's stdout protocol, SSE, NDJSON) from many sources at once.",
        discussion: """
            With no subcommand, charm-monitor watches (see 'charm-monitor help watch' for its options):
              charm-monitor --demo                      the monitor on a simulated agent
              charm-demo | charm-monitor                an agent's stdout on a pipe
              charm-monitor --file run.log --follow     tail a file
              charm-monitor --headless --file run.log   no UI: one JSON summary
              charm-monitor sessions / open latest      recorded sessions, and one as it ended
              charm-monitor query "SELECT …"            read-only SQL over recordings (docs/recording.md)
            Exit codes: 0 ok, 1 a source failed to open, 2 usage error, 3 an exporter lost events
            (dropped, failed or undelivered at the deadline; see docs/headless.md).
            """,
        version: CharmTelemetryVersion.string,
        subcommands: [
            MonitorCommand.self, PluginCommand.self, DiffCommand.self, SessionsCommand.self, OpenCommand.self,
            QueryCommand.self, SearchCommand.self,
        ],
        defaultSubcommand: MonitorCommand.self)

    /// Parses and runs like `AsyncParsableCommand.main()`, except that a usage error exits 2,
    /// the code the monitor has always documented (ArgumentParser's own is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
