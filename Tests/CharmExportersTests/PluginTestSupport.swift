import CharmExporters
import CharmTelemetry
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary folders, scripts, commands and virtual environments for the plugin tests.
enum PluginFixture {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func tempDir(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes an executable script and returns its path.
    @discardableResult
    static func script(_ dir: URL, _ name: String, _ body: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(body.utf8).write(to: url)
        chmod(url.path, 0o755)
        return url.path
    }

    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs a command to completion, stdout and stderr together.
    static func run(_ executable: String, _ args: [String], environment: [String: String]? = nil, in cwd: URL? = nil) throws
        -> Outcome
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs blocking work (a child process, pip, a build) on a thread of its own and awaits
    /// it, so a test that waits minutes does not hold one of the few threads of Swift's
    /// cooperative pool, which would starve the async tests running beside it.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func waitUntil(_ timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `/usr/bin/env`'s idea of python3.
    static var python3: String? { PluginDiscovery.which("python3", environment: environment) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A venv that sees the machine's site-packages (charmos, pytest), made once per call.
    static func makeVenv(in dir: URL) throws -> URL {
        guard let python3 else { throw Failure(description: "no python3 on PATH") }
        let venv = dir.appendingPathComponent("venv")
        let r = try run(python3, ["-m", "venv", "--system-site-packages", venv.path])
        guard r.status == 0 else { throw Failure(description: "venv failed: \(r.output)") }
        return venv
    }

    /// pip-installs a local project into `venv`: offline first (needs setuptools and wheel
    /// on the machine), else with pip's isolated build, which fetches the build backend.
    static func pipInstall(_ project: URL, into venv: URL) throws {
        let pip = venv.appendingPathComponent("bin/python").path
        let offline = try run(pip, ["-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", project.path])
        if offline.status == 0 { return }
        let isolated = try run(pip, ["-m", "pip", "install", "-q", "--no-deps", project.path])
        guard isolated.status == 0 else {
            throw Failure(description: "pip install failed:\n\(offline.output)\n\(isolated.output)")
        }
    }

    /// Hands every hook call of `events` to `exporter` as the manager's worker would.
    static func play(_ exporter: any TelemetryExporter, _ events: [TelemetryEvent]) throws {
        for e in events { try exporter.handle(e) }
    }
}
