import Foundation
import CharmTestSupport
import Testing

/// `charm-monitor plugin …` run as a user runs it.
@Suite(.blocksThreads) struct PluginCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("plugin validate: ok exits 0; a bad entry exits 1 naming the JSON path")
    func validate() throws {
        let good = try Monitor.run(["plugin", "validate", Self.root.appendingPathComponent("telemetry/registry.json").path])
        #expect(good.status == 0)
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-registry-\(getpid()).json")
        try Data(#"{"version": "1.0", "exporters": [{"id": "Bad Name", "pypi_package": "x", "description": "d", "author": "a"}]}"#.utf8)
            .write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        let r = try Monitor.run(["plugin", "validate", bad.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains(#"$.exporters[0].id: "Bad Name" does not match ^[a-z0-9-_]+$"#))
    }

    @Test("plugin new --python scaffolds a package with the charm.telemetry entry point; list shows registry entries")
    func scaffoldAndList() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Monitor.run(["plugin", "new", "acme", "--python", "--path", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let pyproject = try String(contentsOf: dir.appendingPathComponent("pyproject.toml"), encoding: .utf8)
        #expect(pyproject.contains(#"[project.entry-points."charm.telemetry"]"#))
        let again = try Monitor.run(["plugin", "new", "acme", "--python", "--path", dir.path])
        #expect(again.status != 0, "a non-empty folder is refused")
        let list = try Monitor.run(["plugin", "list", "--registry", Self.root.appendingPathComponent("telemetry/registry.json").path])
        #expect(list.status == 0)
        #expect(list.stdout.contains("otlp"))
        #expect(list.stdout.contains("not installed — pip install"))
    }

    @Test("plugin validate and list take a registry shaped as the community's build writes it")
    func communityRegistry() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("community-registry-\(getpid()).json")
        try Data(#"""
            {"version": "1.0", "exporters": [{"id": "acme-tracing", "pypi_package": "charm-telemetry-acme",
              "description": "Export to Acme.", "author": "Acme", "tags": ["acme"],
              "github_url": "https://github.com/acme/charm-telemetry-acme",
              "name": "Acme Tracing", "version": "1.0.0", "license": "MIT", "docs_url": "https://acme.example/docs"}]}
            """#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let validate = try Monitor.run(["plugin", "validate", file.path])
        #expect(validate.status == 0, "\(validate.stdout)")
        #expect(validate.stdout == "\(file.path): ok\n")
        let list = try Monitor.run(["plugin", "list", "--registry", file.path])
        #expect(list.status == 0, "\(list.stdout)")
        #expect(list.stdout.contains("acme-tracing 1.0.0 (MIT) — Export to Acme. [not installed — pip install charm-telemetry-acme]"))
        #expect(list.stdout.contains("https://acme.example/docs"))
    }
}
