import ArgumentParser
import CharmExporters
import CharmTelemetry
import Foundation

/// `charm-monitor plugin …`: scaffold, check and list telemetry exporter plugins.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Scaffold, validate and list telemetry exporter plugins.",
        subcommands: [New.self, Validate.self, List.self])

    /// `plugin new NAME --swift|--python`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scaffold a new exporter that builds and passes its own test.")

        @Argument(help: "The exporter's name, as charm.yaml will name it (^[a-z0-9-_]+$).")
        var name: String

        @Flag(help: "A Swift package (default) or a Python package with the charm.telemetry entry point.")
        var kind: Kind = .swift

        @Option(help: "Where to create it (default: ./charm-telemetry-NAME).")
        var path: String?

        @Option(help: "This repository's path, for the Swift package's dependency on CharmTelemetry.")
        var charmTelemetry: String?

        enum Kind: String, EnumerableFlag {
            case swift, python
        }

        func run() throws {
            let dir = URL(fileURLWithPath: path ?? "charm-telemetry-\(name)")
            do {
                let files = try PluginScaffold.create(
                    name: name, kind: kind == .swift ? .swift : .python, at: dir,
                    charmTelemetryPath: charmTelemetry ?? PluginScaffold.sourceCheckoutPath)
                print("created \(dir.path):")
                for f in files { print("  \(f)") }
                print(kind == .swift ? "next: cd \(dir.path) && swift test" : "next: pip install -e \(dir.path) && pytest \(dir.path)")
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// `plugin validate FILE`.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a community registry file or one manifest (telemetry/manifests/ID.json) before submitting it.")

        @Argument(help: "registry.json or a manifest file.")
        var file: String

        func run() throws {
            let issues = PluginRegistry.validateFile(atPath: file)
            if issues.isEmpty {
                print("\(file): ok")
                return
            }
            for i in issues { print("\(file): \(i.path): \(i.message)") }
            throw ExitCode(1)
        }
    }

    /// `plugin list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every exporter that can be enabled here, and the community registry's entries with how to install them.")

        @Option(help: "A registry file (default: CHARM_PLUGIN_REGISTRY, then ~/.cache/charm/registry.json).")
        var registry: String?

        func run() throws {
            let env = ProcessInfo.processInfo.environment
            let exporters = CharmExporters.makeRegistry(environment: env)
            print("available exporters:")
            print("  \(CharmEmitterExporter.name) — Charm's stdout protocol (always on in agents)")
            for name in exporters.names {
                guard let d = exporters.descriptor(named: name) else { continue }
                let needs = d.missingVariable(in: env).map { "  (needs \($0))" } ?? ""
                print("  \(name) — \(d.summary)\(needs)")
            }
            let document: PluginRegistry.Document?
            do {
                document = try registry.map { path throws(PluginRegistry.LoadError) in try PluginRegistry.load(path: path) }
                    ?? PluginRegistry.loadDefault(environment: env)
            } catch let error as PluginRegistry.LoadError {
                for i in error.issues { print("registry: \(i.path): \(i.message)") }
                throw ExitCode(1)
            }
            guard let document else {
                print("no community registry file found (pass --registry FILE or set CHARM_PLUGIN_REGISTRY)")
                return
            }
            print("community registry:")
            for l in PluginRegistry.listing(document, installedIn: exporters) {
                let state = l.installed ? "installed" : "not installed — \(l.installCommand)"
                let e = l.entry
                let about = [e.version, e.license.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
                print("  \(e.id)\(about.isEmpty ? "" : " " + about) — \(e.description) [\(state)]")
                if let docs = e.docsURL ?? e.githubURL { print("      \(docs)") }
            }
        }
    }
}
