import CharmExporters
import Foundation
import CharmTestSupport
import Testing

@Suite("plugin scaffolding: what `plugin new` writes builds and passes its own test", .blocksThreads)
struct PluginScaffoldTests {
    @Test("names and folders are checked before anything is written")
    func rejects() throws {
        let dir = try PluginFixture.tempDir("charm-scaffold")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PluginScaffold.Failure.invalidName("My Exporter")) {
            try PluginScaffold.create(name: "My Exporter", kind: .python, at: dir.appendingPathComponent("a"))
        }
        #expect(throws: PluginScaffold.Failure.missingPackagePath) {
            try PluginScaffold.create(name: "ok", kind: .swift, at: dir.appendingPathComponent("b"))
        }
        try Data().write(to: dir.appendingPathComponent("taken"))
        #expect(throws: PluginScaffold.Failure.notEmpty(dir.path)) {
            try PluginScaffold.create(name: "ok", kind: .python, at: dir)
        }
    }

    @Test("the Python scaffold pip-installs into a venv and its pytest passes")
    func pythonScaffold() async throws {
        let dir = try PluginFixture.tempDir("charm-scaffold-py")
        defer { try? FileManager.default.removeItem(at: dir) }
        let project = dir.appendingPathComponent("charm-telemetry-acme-log")
        let files = try PluginScaffold.create(name: "acme-log", kind: .python, at: project)
        #expect(files.contains("pyproject.toml"))
        #expect(files.contains("acme_log_exporter/__init__.py"))
        let r = try await PluginFixture.offPool {
            let venv = try PluginFixture.makeVenv(in: dir)
            try PluginFixture.pipInstall(project, into: venv)
            return try PluginFixture.run(
                venv.appendingPathComponent("bin/python").path, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                in: project)
        }
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("3 passed"))
    }

    @Test("the Swift scaffold builds against this checkout")
    func swiftScaffold() async throws {
        // Everything the nested build writes and runs — the package, its build folder and
        // SwiftPM's compiled manifest (TMPDIR) — lives under this checkout's .build, where
        // `swift test` itself runs binaries, never in /tmp: a CI machine may forbid running
        // freshly linked programs there, which made the manifest fail to start (EACCES).
        let root = PluginFixture.repositoryRoot
        let dir = root.appendingPathComponent(".build/charm-scaffold-swift-\(UUID().uuidString)")
        let tmp = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let project = dir.appendingPathComponent("charm-telemetry-acme")
        #expect(PluginScaffold.sourceCheckoutPath == root.standardizedFileURL.path)
        let files = try PluginScaffold.create(name: "acme", kind: .swift, at: project, charmTelemetryPath: root.path)
        #expect(files.contains("Sources/AcmeExporter/AcmeExporter.swift"))
        // Pin the same dependency versions as this checkout, so resolution needs no network.
        let resolved = root.appendingPathComponent("Package.resolved")
        if FileManager.default.fileExists(atPath: resolved.path) {
            try FileManager.default.copyItem(at: resolved, to: project.appendingPathComponent("Package.resolved"))
        }
        guard let swift = PluginDiscovery.which("swift", environment: PluginFixture.environment) else {
            Issue.record("no swift on PATH")
            return
        }
        var env = PluginFixture.environment
        env["TMPDIR"] = tmp.path
        let scratch = dir.appendingPathComponent("build").path
        // umask 022: programs the linker writes must be runnable whatever mask CI starts with.
        let childEnv = env
        let command = "umask 022 && exec \"$0\" build --build-tests --scratch-path \"$1\" --package-path \"$2\""
        let r = try await PluginFixture.offPool {
            try PluginFixture.run("/bin/sh", ["-c", command, swift, scratch, project.path], environment: childEnv)
        }
        #expect(r.status == 0, "\(r.output.suffix(4000))")
    }
}
