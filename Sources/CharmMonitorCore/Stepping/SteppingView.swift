import CharmTelemetry

/// The frozen view while stepping through a run (`[` `]`): the model as it was right after
/// the run's `step`th event, rebuilt by replaying the session's changes up to it.
///
/// Like the pause (`UIState.PausedView`) it replaces the live model in every pane, so the
/// runs, the calls, the tokens and the errors all show that moment. A step forward replays
/// only the changes since the step shown; a step back starts from the nearest checkpoint,
/// a model kept every `interval` changes on the way (at most `maxCheckpoints` of them), so
/// it never replays a long session from its start.
package struct SteppingView: Hashable, Sendable {
    /// The run stepped through (its sub-runs' events count as its steps too).
    package let runID: String
    /// Indices into the history of the run's events, in order.
    let positions: [Int]
    /// The step shown, 1…`total`.
    package private(set) var step: Int
    /// The model right after the step's event.
    package private(set) var model: MonitorModel
    /// The time of the step's event.
    package private(set) var at: Timestamp
    /// How many changes of the history `model` holds (the step's index + 1).
    private var applied: Int
    /// Models after `key` changes, every `interval` changes of the history.
    private var checkpoints: [Int: MonitorModel] = [:]
    /// Changes between checkpoints.
    let interval: Int

    /// Checkpoints kept at most: a step back replays at most 1/32 of the history, and
    /// memory holds at most 32 models (each sharing what did not change since the last).
    static let maxCheckpoints = 32

    /// Steps the run has.
    package var total: Int { positions.count }

    /// Steps through `runID` (and its sub-runs, `runs` holding them all) in `history`,
    /// starting at `step` (clamped to 1…total; 0 or less counts back from the last, -1 the
    /// one before it); nil when the history holds none of its events.
    package init?(runID: String, runs: Set<String>, history: StepHistory, step: Int) {
        let positions = history.positions(of: runs)
        guard !positions.isEmpty else { return nil }
        self.runID = runID
        self.positions = positions
        self.interval = max(256, (history.entries.count + SteppingView.maxCheckpoints - 1) / SteppingView.maxCheckpoints)
        self.step = 0
        self.model = history.emptyModel()
        self.at = Timestamp(microseconds: 0)
        self.applied = 0
        move(to: step > 0 ? step : positions.count + step, in: history)
    }

    /// Shows step `target` (clamped to 1…total).
    package mutating func move(to target: Int, in history: StepHistory) {
        let target = min(max(1, target), total)
        let wanted = positions[target - 1] + 1
        if wanted < applied {
            // Back: from the nearest checkpoint at or before it (or the empty model).
            let base = checkpoints.keys.filter { $0 <= wanted }.max()
            model = base.flatMap { checkpoints[$0] } ?? history.emptyModel()
            applied = base ?? 0
        }
        while applied < wanted {
            history.entries[applied].replay(into: &model)
            applied += 1
            if applied % interval == 0, checkpoints[applied] == nil { checkpoints[applied] = model }
        }
        step = target
        at = history.entries[wanted - 1].eventTime ?? at
        model.refreshRunTree()
    }

    package static func == (a: SteppingView, b: SteppingView) -> Bool { a.runID == b.runID && a.step == b.step }
    package func hash(into hasher: inout Hasher) {
        hasher.combine(runID)
        hasher.combine(step)
    }
}
