import CharmTelemetry
import CharmWire
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs Charm's own Python exporters: entry points of the group `charm.telemetry`.
///
/// Each enabled Python exporter gets its own bridge process (`python3 charm_bridge.py NAME`),
/// an exec plugin underneath, so one that raises, hangs or crashes harms only itself. The
/// bridge calls the hooks with Charm's arguments and acks every line, so `flush` waits until
/// the Python side has really handled what it was given. The interpreter is `CHARM_PYTHON`
/// when set (a path or a command on `PATH`), else `python3` on `PATH`.
package enum PythonBridge {
    /// The `charm.telemetry` group, as in charmos's `TelemetryManager`.
    package static let entryPointGroup = "charm.telemetry"

    /// One installed entry point.
    package struct EntryPoint: Sendable, Hashable {
        /// The name charm.yaml enables it by.
        package var name: String
        /// `module:Class`.
        package var value: String
    }

    /// The interpreter to use, or nil when there is none.
    package static func python(environment: [String: String]) -> String? {
        if let p = environment["CHARM_PYTHON"], !p.isEmpty { return PluginDiscovery.which(p, environment: environment) }
        return PluginDiscovery.which("python3", environment: environment)
    }

    /// Writes the bridge to the temporary folder (once per content) and returns its path.
    package static func scriptPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.path
        let path = "\(dir)/charm-telemetry-bridge-\(fingerprint(script)).py"
        if FileManager.default.fileExists(atPath: path) { return path }
        // Write then rename, so a concurrent reader never sees half a file.
        let tmp = "\(path).\(UUID().uuidString)"
        try Data(script.utf8).write(to: URL(fileURLWithPath: tmp))
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            if !FileManager.default.fileExists(atPath: path) { throw CocoaError(.fileWriteUnknown) }
        }
        return path
    }

    /// FNV-1a of the text: stable across runs, unlike `Hasher`.
    private static func fingerprint(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }

    /// The installed entry points, from `charm_bridge.py --list`; empty without Python or on
    /// any failure (discovery must never stop the monitor from starting).
    package static func listEntryPoints(environment: [String: String], timeout: Duration = .seconds(15)) -> [EntryPoint] {
        guard let python = python(environment: environment), let script = try? scriptPath() else { return [] }
        guard let out = run(python, [script, "--list"], environment: environment, timeout: timeout) else { return [] }
        let firstLine = out.split(separator: 0x0A).first.map(Array.init) ?? []
        guard let list = (try? JSONParser.parse(firstLine))?["entry_points"]?.arrayValue else { return [] }
        return list.compactMap { e in
            guard let n = e["name"]?.stringValue, let v = e["value"]?.stringValue else { return nil }
            return EntryPoint(name: n, value: v)
        }
    }

    /// The exporter for the entry point `name`: a bridge process with the hooks' arguments.
    package static func makeExporter(
        name: String, environment: [String: String], options: ExecPluginExporter.Options = ExecPluginExporter.Options()
    ) throws(ExporterSetupError) -> ExecPluginExporter {
        guard let python = python(environment: environment) else {
            throw .invalid(name: name, reason: "no Python interpreter (set CHARM_PYTHON or put python3 on PATH)")
        }
        let script: String
        do { script = try scriptPath() } catch {
            throw .invalid(name: name, reason: "cannot write the Python bridge: \(error)")
        }
        var o = options
        o.acknowledges = true
        var env = environment
        // Unbuffered, so a line printed by an exporter reaches the monitor's stderr tail at once.
        env["PYTHONUNBUFFERED"] = "1"
        return ExecPluginExporter(name: name, executable: python, arguments: [script, name], environment: env, options: o)
    }

    /// The registry entry for an installed entry point.
    package static func descriptor(for entryPoint: EntryPoint, options: ExecPluginExporter.Options = ExecPluginExporter.Options()) -> ExporterDescriptor {
        ExporterDescriptor(name: entryPoint.name, summary: "Python exporter \(entryPoint.value) (charm.telemetry)") { context in
            try makeExporter(name: entryPoint.name, environment: context.environment, options: options)
        }
    }

    /// Runs a short command and returns its stdout, or nil if it failed or overran `timeout`.
    static func run(_ executable: String, _ args: [String], environment: [String: String], timeout: Duration) -> [UInt8]? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        do { try p.run() } catch { return nil }
        let reader = OutputCollector(out.fileHandleForReading)
        if done.wait(timeout: .now() + Backoff.seconds(timeout)) == .timedOut {
            p.terminate()
            return nil
        }
        let bytes = reader.wait()
        return p.terminationStatus == 0 ? bytes : nil
    }
}

/// Reads a pipe to its end on its own thread, so a chatty child never blocks on a full pipe
/// while we wait for it to exit.
private final class OutputCollector: @unchecked Sendable {
    // Written once by the reading thread before `finished` is signalled; read after waiting.
    private var bytes: [UInt8] = []
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let t = Thread { [self] in
            bytes = Array(handle.readDataToEndOfFile())
            finished.signal()
        }
        t.start()
    }

    func wait() -> [UInt8] {
        finished.wait()
        return bytes
    }
}
