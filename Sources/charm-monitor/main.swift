// charm-monitor: watch AI-agent runs from many sources at once, live or headless.
import Foundation

if CommandLine.arguments.dropFirst().first == "plugin" {
    PluginCommand.main(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
let arguments = MonitorArguments.normalizingReplay(Array(CommandLine.arguments.dropFirst()))
let command: MonitorCommand
do {
    command = try MonitorCommand.parseAsRoot(arguments) as! MonitorCommand
} catch {
    // Help and version are not errors; every other parse failure is a usage error: exit 2.
    let code = MonitorCommand.exitCode(for: error)
    let message = MonitorCommand.fullMessage(for: error)
    if code == .success {
        print(message)
        exit(0)
    }
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}
exit(await command.execute())
