import CharmTelemetry
import CharmWire

/// One line a plugin writes on its stdout: the health protocol.
///
/// Every member is optional, so a plugin says only what it knows:
/// `{"health":"ok"|"retrying"|"failing","error":"…","ack":N,"sent":N,"dropped":N}`.
/// `ack` is the number of event lines the plugin has finished with since it started; once a
/// plugin has sent one, `flush` waits for it to cover every line written. `sent` and
/// `dropped` are the plugin's own delivery counters, shown in the monitor. A line that is
/// not a JSON object is kept with the plugin's stderr lines instead of being lost.
package struct PluginReport: Sendable, Hashable {
    /// The plugin's health, if it said.
    package var health: ExporterHealth?
    /// Its last error, if it said.
    package var error: String?
    /// Event lines handled since the process started.
    package var ack: Int?
    /// Items the plugin delivered to its destination.
    package var sent: Int?
    /// Items the plugin dropped itself.
    package var dropped: Int?

    /// A report with every field given.
    package init(health: ExporterHealth? = nil, error: String? = nil, ack: Int? = nil, sent: Int? = nil, dropped: Int? = nil) {
        self.health = health
        self.error = error
        self.ack = ack
        self.sent = sent
        self.dropped = dropped
    }

    /// Reads one stdout line; nil when it is not a JSON object or carries no known member.
    package init?(line: [UInt8]) {
        guard let o = (try? JSONParser.parse(line))?.objectValue else { return nil }
        health = o["health"]?.stringValue.flatMap(ExporterHealth.init(rawValue:))
        error = o["error"].flatMap { $0.isNull ? nil : $0.displayText }
        ack = o["ack"]?.intValue.map { Int(truncatingIfNeeded: $0) }
        sent = o["sent"]?.intValue.map { Int(truncatingIfNeeded: $0) }
        dropped = o["dropped"]?.intValue.map { Int(truncatingIfNeeded: $0) }
        if health == nil && error == nil && ack == nil && sent == nil && dropped == nil { return nil }
    }
}
