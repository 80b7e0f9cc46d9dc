import CharmTelemetry
import CharmWire

@testable import CharmMonitorCore

/// Builds hook events with increasing times for scripted model tests.
struct Script {
    var seq: UInt64 = 0
    var clock = Timestamp(microseconds: 1_700_000_000_000_000)

    mutating func event(
        _ payload: TelemetryEvent.Payload, run: String, parent: String? = nil, call: String? = nil,
        advance: Int64 = 1_000
    ) -> TelemetryEvent {
        seq += 1
        clock.microseconds += advance
        return TelemetryEvent(seq: seq, timestamp: clock, runID: run, parentRunID: parent, callID: call, payload: payload)
    }
}

extension MonitorModel {
    mutating func apply(_ events: [TelemetryEvent], source: SourceID = "test") {
        for e in events {
            let wire = WireEvent(type: "thinking", object: ["type": "thinking"], framing: .ndjson, hookEvents: [e])
            apply(.event(wire), source: source, at: e.timestamp)
        }
    }
}
