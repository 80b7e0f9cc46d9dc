import CharmTelemetry
import Foundation

/// Where a discovered exporter comes from.
package enum DiscoveredExporterKind: Sendable, Hashable {
    /// An executable `charm-telemetry-NAME`, at this path.
    case exec(path: String)
    /// A Python entry point of the group `charm.telemetry`, run through the bridge.
    case python(entryPoint: String)
}

/// One exporter found outside the built-ins.
package struct DiscoveredExporter: Sendable, Hashable {
    /// The name charm.yaml enables it by.
    package var name: String
    /// What runs it.
    package var kind: DiscoveredExporterKind
}

extension CharmExporters {
    /// Registers one descriptor per exec plugin and, when `includePython`, per installed Python
    /// entry point, skipping names already registered. Precedence is therefore
    /// built-in > exec plugin > Python entry point, provided the built-ins are registered
    /// first (as `makeRegistry` does). Returns what it registered.
    @discardableResult
    package static func registerDiscoveredPlugins(
        in registry: ExporterRegistry = .shared,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        includePython: Bool = true
    ) -> [DiscoveredExporter] {
        var added: [DiscoveredExporter] = []
        var taken = Set(registry.names)
        taken.insert(CharmEmitterExporter.name)
        for plugin in PluginDiscovery.discover(environment: environment) where taken.insert(plugin.name).inserted {
            registry.register(ExecPluginExporter.descriptor(for: plugin))
            added.append(DiscoveredExporter(name: plugin.name, kind: .exec(path: plugin.path)))
        }
        if includePython {
            for ep in PythonBridge.listEntryPoints(environment: environment) where taken.insert(ep.name).inserted {
                registry.register(PythonBridge.descriptor(for: ep))
                added.append(DiscoveredExporter(name: ep.name, kind: .python(entryPoint: ep.value)))
            }
        }
        return added
    }

    /// A new registry with the built-ins, then the exec plugins and Python entry points found
    /// in `environment`: everything a charm.yaml may name, in precedence order.
    package static func makeRegistry(
        environment: [String: String] = ProcessInfo.processInfo.environment, includePython: Bool = true
    ) -> ExporterRegistry {
        let registry = ExporterRegistry()
        registerBuiltins(in: registry)
        registerDiscoveredPlugins(in: registry, environment: environment, includePython: includePython)
        return registry
    }
}
