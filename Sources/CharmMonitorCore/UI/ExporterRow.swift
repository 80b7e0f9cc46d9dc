import CharmTelemetry

/// One row of the exporters panel: an exporter the registry knows or the manager runs,
/// with its switch, health, counters and what stops it.
package struct ExporterRow: Hashable, Sendable {
    /// The exporter's name.
    package var name: String
    /// Whether it receives events.
    package var enabled: Bool
    /// Delivering, retrying or failing.
    package var health: ExporterHealth
    /// Hooks delivered.
    package var delivered: UInt64
    /// Events waiting.
    package var queued: Int
    /// Events dropped.
    package var dropped: UInt64
    /// Hooks that failed.
    package var failed: UInt64
    /// The last error, if any.
    package var lastError: String?
    /// A required environment variable that is not set ("needs DATADOG_API_KEY").
    package var missingVariable: String?
    /// Why it could not be made, when it could not.
    package var unavailableReason: String?
    /// For a community registry entry that is not installed here: the command that installs it.
    package var installCommand: String?

    /// A row with every field given.
    package init(
        name: String, enabled: Bool, health: ExporterHealth = .ok, delivered: UInt64 = 0, queued: Int = 0,
        dropped: UInt64 = 0, failed: UInt64 = 0, lastError: String? = nil, missingVariable: String? = nil,
        unavailableReason: String? = nil, installCommand: String? = nil
    ) {
        self.name = name
        self.enabled = enabled
        self.health = health
        self.delivered = delivered
        self.queued = queued
        self.dropped = dropped
        self.failed = failed
        self.lastError = lastError
        self.missingVariable = missingVariable
        self.unavailableReason = unavailableReason
        self.installCommand = installCommand
    }

    /// Rows for every exporter in `registry` or in `statistics`: registration order
    /// first, then names only the manager knows. The order never depends on what is
    /// switched on, so the selected row stays on the same exporter when Space toggles it.
    /// Secrets are looked up in `environment` so a user sees what to set before
    /// switching one on. `notInstalled` lists community registry entries with no exporter
    /// here (id and install command); they come last, so a user sees what could be added.
    package static func rows(
        statistics: [ExporterStatistics], registry: ExporterRegistry, environment: [String: String],
        notInstalled: [(id: String, installCommand: String)] = []
    ) -> [ExporterRow] {
        var byName: [String: ExporterStatistics] = [:]
        for s in statistics where byName[s.name] == nil { byName[s.name] = s }
        var names = registry.names
        var seen = Set(names)
        for s in statistics where seen.insert(s.name).inserted { names.append(s.name) }
        let known = names.map { name in
            let missing = registry.descriptor(named: name)?.missingVariable(in: environment)
            guard let s = byName[name] else { return ExporterRow(name: name, enabled: false, missingVariable: missing) }
            return ExporterRow(
                name: s.name, enabled: s.enabled, health: s.health, delivered: s.delivered, queued: s.queued,
                dropped: s.dropped, failed: s.failed, lastError: s.lastError, missingVariable: missing,
                unavailableReason: s.unavailableReason)
        }
        let extra = notInstalled.filter { seen.insert($0.id).inserted }.map {
            ExporterRow(name: $0.id, enabled: false, installCommand: $0.installCommand)
        }
        return known + extra
    }
}
