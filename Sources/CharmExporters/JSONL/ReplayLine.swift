import CharmTelemetry
import CharmWire

/// The object jsonl and webhook write per event: the Charm line the emitter would print
/// (`type`, `content`) plus the structured `telemetry` object, so `StreamDecoder` reads a
/// file of them as NDJSON and the monitor can replay it.
package enum ReplayLine {
    /// `{"type": …, "content": …, "telemetry": {…}}` for an event. An empty token, which
    /// Charm does not print, is kept as an empty `delta` so a replay loses no event.
    package static func object(for event: TelemetryEvent) -> JSONObject {
        let (type, content) = CharmProtocol.line(for: event.payload, runID: event.runID) ?? ("delta", "")
        var o = JSONObject()
        o["type"] = .string(type)
        o["content"] = .string(content)
        o["telemetry"] = .object(event.telemetryObject)
        return o
    }

    /// The compact encoding of `object(for:)`, without a newline.
    package static func bytes(for event: TelemetryEvent) -> [UInt8] { JSONBytes.object(object(for: event)) }
}
