import Synchronization

/// What a factory gets to build an exporter: the environment (where secrets come from) and
/// the agent's configuration.
public struct ExporterContext: Sendable {
    /// The process environment, or a test's stand-in for it.
    public var environment: [String: String]
    /// The loaded charm.yaml, if any.
    package var configuration: CharmConfig?

    /// A context from an environment and an optional configuration.
    public init(environment: [String: String], configuration: CharmConfig? = nil) {
        self.environment = environment
        self.configuration = configuration
    }

    /// The first non-empty value among `names`.
    package func value(_ names: String...) -> String? {
        for n in names { if let v = environment[n], !v.isEmpty { return v } }
        return nil
    }
}

/// Why an exporter could not be made.
package enum ExporterSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No exporter by that name; lists the known ones.
    case unknown(name: String, known: [String])
    /// A secret it needs is not in the environment; names the variable (never its value).
    case missingSecret(name: String, variable: String)
    /// Any other setup problem, in words.
    case invalid(name: String, reason: String)

    package var description: String {
        switch self {
        case .unknown(let n, let known):
            "unknown telemetry exporter '\(n)'; known exporters: \(known.joined(separator: ", "))"
        case .missingSecret(let n, let v): "exporter '\(n)' needs \(v) in the environment"
        case .invalid(let n, let r): "exporter '\(n)': \(r)"
        }
    }
}

/// One entry of the registry: a name, what it needs, and how to build it.
public struct ExporterDescriptor: Sendable {
    /// The name used in charm.yaml's `runtime.telemetry` and in `--exporters`.
    package var name: String
    /// One line saying what it does.
    package var summary: String
    /// Variables it cannot run without; each inner list is alternatives (any one will do).
    package var requiredEnvironment: [[String]]
    /// Builds the exporter; throws `ExporterSetupError` when something is missing.
    package var factory: @Sendable (ExporterContext) throws -> any TelemetryExporter

    /// A descriptor with every field given.
    public init(
        name: String, summary: String, requiredEnvironment: [[String]] = [],
        factory: @escaping @Sendable (ExporterContext) throws -> any TelemetryExporter
    ) {
        self.name = name
        self.summary = summary
        self.requiredEnvironment = requiredEnvironment
        self.factory = factory
    }

    /// The first variable group with none set, named by its first alternative
    /// (what the monitor shows as "needs DATADOG_API_KEY").
    package func missingVariable(in environment: [String: String]) -> String? {
        for group in requiredEnvironment where !group.contains(where: { !(environment[$0] ?? "").isEmpty }) {
            return group.first
        }
        return nil
    }
}

/// Name → factory: the Swift counterpart of Python's `charm.telemetry` entry-point group.
///
/// Modules register their exporters at start-up (`CharmExporters.registerBuiltins(in:)`);
/// plugins may add more. Registration replaces an entry of the same name.
public final class ExporterRegistry: Sendable {
    private let entries = Mutex<[String: ExporterDescriptor]>([:])
    /// Ordered so listings (and the monitor's panel) are stable.
    private let order = Mutex<[String]>([])

    /// An empty registry.
    public init() {}

    /// The registry used when none is given.
    public static let shared = ExporterRegistry()

    /// Adds or replaces an entry.
    public func register(_ descriptor: ExporterDescriptor) {
        entries.withLock { $0[descriptor.name] = descriptor }
        order.withLock { if !$0.contains(descriptor.name) { $0.append(descriptor.name) } }
    }

    /// The known names, in registration order.
    public var names: [String] { order.withLock { $0 } }

    /// The entry for `name`.
    package func descriptor(named name: String) -> ExporterDescriptor? {
        entries.withLock { $0[name] }
    }

    /// Builds the exporter `name`, checking its required variables first.
    package func make(_ name: String, context: ExporterContext) throws(ExporterSetupError) -> any TelemetryExporter {
        guard let d = descriptor(named: name) else {
            throw .unknown(name: name, known: ([CharmEmitterExporter.name] + names).sorted())
        }
        if let v = d.missingVariable(in: context.environment) { throw .missingSecret(name: name, variable: v) }
        do {
            return try d.factory(context)
        } catch let e as ExporterSetupError {
            throw e
        } catch {
            throw .invalid(name: name, reason: String(describing: error))
        }
    }
}
