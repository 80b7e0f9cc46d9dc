import CharmTelemetry

extension MonitorModel {
    /// Marks every run still open (no `run_end` seen) as unfinished, and returns them
    /// deepest first (a child before its parent, as their spans must end), with their
    /// parents, so the engine can end them at the exporters too.
    ///
    /// Used when the monitor exits: a run that never ended would otherwise never be sent by
    /// span exporters, or be sent as if it had succeeded. The run keeps no end time (it did
    /// not end); `MonitorRun.isUnfinished` says so, and the headless summary shows
    /// `"status": "unfinished"` for it unless it had an error.
    mutating func markUnfinished() -> [(id: String, parent: String?)] {
        generation &+= 1
        var open: [(id: String, parent: String?, depth: Int, order: UInt64)] = []
        for r in runs.values where !r.isFinished && r.endStatus == nil {
            open.append((r.id, r.parentID, depth(of: r), r.order))
        }
        withRuns { runs in
            for o in open { runs[o.id]?.endStatus = .unfinished }
        }
        open.sort { ($0.depth, $0.order) > ($1.depth, $1.order) }
        return open.map { ($0.id, $0.parent) }
    }

    private func depth(of run: MonitorRun) -> Int {
        var d = 0
        var p = run.parentID
        // Bounded: parents are kept acyclic by the model, the cap only guards the loop.
        while let id = p, d < 1_000, let parent = runs[id] {
            d += 1
            p = parent.parentID
        }
        return d
    }
}
