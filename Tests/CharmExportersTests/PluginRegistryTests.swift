import CharmExporters
import CharmTelemetry
import Foundation
import CharmTestSupport
import Testing

@Suite("community plugin registry: validation and listing", .blocksThreads)
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

    @Test("problems carry their JSON path: bad id, duplicate, missing and mistyped members, a github_url that is no URI")
    func problems() {
        let text = """
            {"version": "1.0", "generated_by": "build_registry.py", "exporters": [
              {"id": "a", "pypi_package": "pkg-a", "description": "d", "author": "x", "homepage": "h"},
              {"id": "a", "pypi_package": "pkg-b", "description": "d", "author": "x", "tags": ["t", 3]},
              {"id": "My Exporter", "pypi_package": "pkg c", "description": "d", "author": "x", "tags": "t"},
              {"id": "b", "pypi_package": 1, "description": "", "github_url": "github.com/x/y"},
              7
            ]}
            """
        let issues = PluginRegistry.validate(data: Array(text.utf8)).map(\.description)
        #expect(issues.contains(#"$.exporters[1].id: duplicate id "a" (first at $.exporters[0])"#))
        #expect(issues.contains("$.exporters[1].tags[1]: must be a string"))
        #expect(issues.contains(#"$.exporters[2].id: "My Exporter" does not match ^[a-z0-9-_]+$"#))
        #expect(issues.contains("$.exporters[2].tags: must be an array of strings"))
        #expect(issues.contains("$.exporters[3].pypi_package: must be a string"))
        #expect(issues.contains("$.exporters[3].author: is required"))
        #expect(issues.contains(#"$.exporters[3].github_url: must be a URI (format "uri": a scheme, then the rest)"#))
        #expect(issues.contains("$.exporters[4]: must be an object"))
        #expect(issues.count == 8, "\(issues)")
        #expect(PluginRegistry.validate(data: Array(#"{"version": "2.0", "exporters": []}"#.utf8)).map(\.description)
            == [#"$.version: "2.0" is not a supported version ("1.0")"#])
        #expect(PluginRegistry.validate(data: Array("[1".utf8)).first?.path == "$")
    }

    /// Shaped as charm-community-plugin's build writes it: each manifest copied unchanged,
    /// with the members its own example carries beyond the schema's.
    static let communityShaped = """
        {
          "version": "1.0",
          "exporters": [
            {
              "id": "acme-tracing",
              "pypi_package": "charm-telemetry-acme",
              "description": "Export agent lifecycle events to Acme.",
              "author": "Acme Team",
              "tags": ["acme", "observability"],
              "github_url": "https://github.com/acme/charm-telemetry-acme",
              "name": "Acme Tracing",
              "version": "1.0.0",
              "license": "MIT",
              "docs_url": "https://acme.example/docs/charm",
              "maintainers": [{"name": "A. Acme"}]
            },
            {"id": "bare", "pypi_package": "bare", "description": "", "author": ""}
          ]
        }
        """

    @Test("a registry built the community's way is accepted, its other members kept")
    func communityRegistryIsAccepted() throws {
        let data = Array(Self.communityShaped.utf8)
        #expect(PluginRegistry.validate(data: data).isEmpty)
        let doc = try PluginRegistry.load(data: data)
        let acme = try #require(doc.exporters.first)
        #expect(acme.version == "1.0.0" && acme.license == "MIT" && acme.displayName == "Acme Tracing")
        #expect(acme.docsURL == "https://acme.example/docs/charm")
        #expect(acme.extra["maintainers"]?.arrayValue?.first?["name"] == .string("A. Acme"))
        #expect(acme.extra["id"] == nil && acme.githubURL == "https://github.com/acme/charm-telemetry-acme")
        #expect(doc.exporters[1].extra.isEmpty && doc.exporters[1].description.isEmpty)
    }

    @Test("a manifest must be named after its id; the registry's _example.json template is exempt")
    func manifests() {
        let m = Array(#"{"id": "acme", "name": "Acme", "version": "1.2.0", "license": "MIT", "pypi_package": "acme-charm", "description": "d", "author": "a", "x": 1}"#.utf8)
        #expect(PluginRegistry.validateManifest(data: m, fileName: "telemetry/manifests/acme.json").isEmpty)
        #expect(PluginRegistry.validateManifest(data: m, fileName: "telemetry/manifests/_example.json").isEmpty)
        #expect(PluginRegistry.validateManifest(data: m, fileName: "telemetry/manifests/Acme.json").map(\.description)
            == [#"$.id: manifest file "Acme.json" must be named "acme.json""#])
        let bad = Array(#"{"id": "acme", "pypi_package": "acme-charm", "description": "d", "author": "a", "github_url": "not a uri"}"#.utf8)
        #expect(PluginRegistry.validateManifest(data: bad).map(\.path) == ["$.github_url"])
    }

    @Test("JSON Schema's uri format: a scheme, a colon, no spaces")
    func uriFormat() {
        for good in ["https://github.com/a/b", "git+ssh://git@github.com/a/b.git", "urn:isbn:0451450523", "HTTP://X"] {
            #expect(PluginRegistry.isURI(good), "\(good)")
        }
        for bad in ["github.com/a/b", "", ":x", "1http://x", "https://a b", "https:"] {
            #expect(!PluginRegistry.isURI(bad), "\(bad)")
        }
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
