import CharmExporters
import CharmTelemetry
import Foundation
import Testing

@Suite("community plugin registry: validation and listing")
struct PluginRegistryTests {
    static let shipped = PluginFixture.repositoryRoot.appendingPathComponent("telemetry")

    @Test("the shipped sample registry and manifest are valid")
    func shippedFilesAreValid() throws {
        let data = try Data(contentsOf: Self.shipped.appendingPathComponent("registry.json"))
        #expect(PluginRegistry.validate(data: data).isEmpty)
        let doc = try PluginRegistry.load(data: data)
        #expect(doc.exporters.map(\.id) == ["myexp", "tee", "jsonl"])
        let manifest = Self.shipped.appendingPathComponent("manifests/myexp.json")
        #expect(PluginRegistry.validateManifest(data: try Data(contentsOf: manifest), fileName: manifest.path).isEmpty)
        #expect(PluginRegistry.validateFile(atPath: manifest.path).isEmpty)
        #expect(PluginRegistry.validateFile(atPath: Self.shipped.appendingPathComponent("registry.json").path).isEmpty)
        #expect(PluginRegistry.validateFile(atPath: "/nonexistent.json").first?.path == "$")
    }

    @Test("problems carry their JSON path: bad id, unknown key, duplicate, missing and mistyped members")
    func problems() {
        let text = """
            {"version": "1.0", "extra": 1, "exporters": [
              {"id": "a", "pypi_package": "pkg-a", "description": "d", "author": "x", "homepage": "h"},
              {"id": "a", "pypi_package": "pkg-b", "description": "d", "author": "x", "tags": ["t", 3]},
              {"id": "My Exporter", "pypi_package": "pkg c", "description": "d", "author": "x"},
              {"id": "b", "pypi_package": "b", "description": "", "github_url": "ftp://x"},
              7
            ]}
            """
        let issues = PluginRegistry.validate(data: Array(text.utf8)).map(\.description)
        #expect(issues.contains(#"$.extra: unknown key (allowed: version, exporters)"#))
        #expect(issues.contains { $0.hasPrefix("$.exporters[0].homepage: unknown key") })
        #expect(issues.contains(#"$.exporters[1].id: duplicate id "a" (first at $.exporters[0])"#))
        #expect(issues.contains("$.exporters[1].tags[1]: must be a string"))
        #expect(issues.contains(#"$.exporters[2].id: "My Exporter" does not match ^[a-z0-9-_]+$"#))
        #expect(issues.contains(#"$.exporters[2].pypi_package: "pkg c" is not a valid PyPI package name"#))
        #expect(issues.contains("$.exporters[3].description: must not be empty"))
        #expect(issues.contains("$.exporters[3].author: is required"))
        #expect(issues.contains("$.exporters[3].github_url: must be an https:// URL"))
        #expect(issues.contains("$.exporters[4]: must be an object"))
        #expect(issues.count == 10)
        #expect(PluginRegistry.validate(data: Array(#"{"version": "2.0", "exporters": []}"#.utf8)).map(\.description)
            == [#"$.version: "2.0" is not a supported version ("1.0")"#])
        #expect(PluginRegistry.validate(data: Array("[1".utf8)).first?.path == "$")
    }

    @Test("a manifest must be named after its id and may add name, version and license")
    func manifests() {
        let m = Array(#"{"id": "acme", "name": "Acme", "version": "1.2.0", "license": "MIT", "pypi_package": "acme-charm", "description": "d", "author": "a"}"#.utf8)
        #expect(PluginRegistry.validateManifest(data: m, fileName: "telemetry/manifests/acme.json").isEmpty)
        #expect(PluginRegistry.validateManifest(data: m, fileName: "telemetry/manifests/Acme.json").map(\.description)
            == [#"$.id: manifest file "Acme.json" must be named "acme.json""#])
        let bad = Array(#"{"id": "acme", "version": 1, "pypi_package": "acme-charm", "description": "d", "author": "a", "x": 1}"#.utf8)
        #expect(PluginRegistry.validateManifest(data: bad).map(\.path).sorted() == ["$.version", "$.x"])
    }

    @Test("listing marks ids installed when a built-in, exec plugin or entry point has that name")
    func listing() throws {
        let doc = try PluginRegistry.load(path: Self.shipped.appendingPathComponent("registry.json").path)
        let env = ["CHARM_PLUGIN_PATH": PluginFixture.repositoryRoot.appendingPathComponent("examples/plugins").path, "PATH": ""]
        let registry = CharmExporters.makeRegistry(environment: env, includePython: false)
        let rows = PluginRegistry.listing(doc, installedIn: registry)
        #expect(rows.map(\.installed) == [false, true, true])
        #expect(rows[0].installCommand == "pip install my-exporter")
        #expect(rows[1].providedBy?.hasPrefix("exec plugin ") == true)
        let home = try PluginFixture.tempDir("charm-registry-home")
        defer { try? FileManager.default.removeItem(at: home) }
        #expect(try PluginRegistry.loadDefault(environment: ["HOME": home.path]) == nil)
        let cached = home.appendingPathComponent(".cache/charm")
        try FileManager.default.createDirectory(at: cached, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.shipped.appendingPathComponent("registry.json"), to: cached.appendingPathComponent("registry.json"))
        #expect(try PluginRegistry.loadDefault(environment: ["HOME": home.path]) == doc)
    }
}
