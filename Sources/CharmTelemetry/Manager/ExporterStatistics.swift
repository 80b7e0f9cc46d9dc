/// One exporter's counters and state, as the monitor shows them.
public struct ExporterStatistics: Sendable, Hashable {
    /// The exporter's name.
    public var name: String
    /// Whether new events are queued for it.
    public var enabled: Bool
    /// Hooks that returned normally.
    public var delivered: UInt64
    /// Events not queued because its queue was full, plus what the exporter itself dropped.
    public var dropped: UInt64
    /// Hooks that threw.
    public var failed: UInt64
    /// Events waiting in its queue (including one being handled), plus what it buffers itself.
    public var queued: Int
    /// The last error, from a hook or from the exporter's own delivery.
    public var lastError: String?
    /// When that error happened.
    public var lastErrorAt: Timestamp?
    /// Health: the exporter's own report when it gives one, otherwise derived from failures.
    public var health: ExporterHealth
    /// Why it is not running, when it could not be made (for example a missing secret).
    public var unavailableReason: String?

    /// Statistics with every field given.
    public init(
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
