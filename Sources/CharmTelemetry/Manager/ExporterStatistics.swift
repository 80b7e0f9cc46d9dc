/// One exporter's counters and state, as the monitor shows them.
package struct ExporterStatistics: Sendable, Hashable {
    /// The exporter's name.
    package var name: String
    /// Whether new events are queued for it.
    package var enabled: Bool
    /// Hooks that returned normally.
    package var delivered: UInt64
    /// Events not queued because its queue was full, plus what the exporter itself dropped.
    package var dropped: UInt64
    /// Hooks that threw.
    package var failed: UInt64
    /// Events waiting in its queue (including one being handled), plus what it buffers itself.
    package var queued: Int
    /// The last error, from a hook or from the exporter's own delivery.
    package var lastError: String?
    /// When that error happened.
    package var lastErrorAt: Timestamp?
    /// Health: the exporter's own report when it gives one, otherwise derived from failures.
    package var health: ExporterHealth
    /// Why it is not running, when it could not be made (for example a missing secret).
    package var unavailableReason: String?

    /// Statistics with every field given.
    package init(
        name: String, enabled: Bool, delivered: UInt64 = 0, dropped: UInt64 = 0, failed: UInt64 = 0,
        queued: Int = 0, lastError: String? = nil, lastErrorAt: Timestamp? = nil,
        health: ExporterHealth = .ok, unavailableReason: String? = nil
    ) {
        self.name = name
        self.enabled = enabled
        self.delivered = delivered
        self.dropped = dropped
        self.failed = failed
        self.queued = queued
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.health = health
        self.unavailableReason = unavailableReason
    }
}
