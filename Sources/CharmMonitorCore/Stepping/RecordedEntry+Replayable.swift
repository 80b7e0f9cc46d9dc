import CharmTelemetry

/// A recording's entries step like a file's lines: each is replayed as the engine applied it.
extension RecordedEntry: ReplayableEntry {
    package func replay(into model: inout MonitorModel) { model.replay(self) }

    package func concerns(_ runs: Set<String>) -> Bool {
        switch change {
        case .record(.event(let e)): e.hookEvents.contains { runs.contains($0.runID) }
        case .received(let e): runs.contains(e.runID)
        default: false
        }
    }

    package var eventTime: Timestamp? {
        switch change {
        case .record(.event(let e)): e.hookEvents.first?.timestamp
        case .received(let e): e.timestamp
        default: nil
        }
    }
}
