import CharmExporters
import Foundation
import Testing

@Suite("plugin scaffolding: what `plugin new` writes builds and passes its own test")
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
        let dir = try PluginFixture.tempDir("charm-scaffold-swift")
        defer { try? FileManager.default.removeItem(at: dir) }
        let project = dir.appendingPathComponent("charm-telemetry-acme")
        let root = PluginFixture.repositoryRoot
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
        let scratch = "/tmp/charm-scaffold-build-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let r = try await PluginFixture.offPool {
            try PluginFixture.run(swift, ["build", "--build-tests", "--scratch-path", scratch, "--package-path", project.path])
        }
        #expect(r.status == 0, "\(r.output.suffix(4000))")
    }
}
