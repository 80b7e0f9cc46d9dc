import CharmTelemetry
import CharmWire

extension ComparableRun {
    /// Why a run to compare could not be found.
    package struct LookupError: Error, CustomStringConvertible {
        /// What went wrong, for the command line.
        package var description: String

        /// An error saying `description`.
        package init(description: String) { self.description = description }
    }

    /// The model a whole recorded stream (`text`, NDJSON or Charm's stdout protocol) builds,
    /// each record applied at its event's own time so durations are the recorded ones.
    package static func replay(_ text: String, sourceName: String) -> MonitorModel {
        var model = MonitorModel()
        let source = SourceID(sourceName)
        var at = Timestamp(microseconds: 0)
        for record in StreamDecoder.decodeAll(text, sourceName: sourceName) {
            if case .event(let e) = record, let ts = e.hookEvents.first?.timestamp { at = ts }
            model.apply(record, source: source, at: at)
        }
        return model
    }

    /// Run `id` of `model`, compared as its timeline shows it; a clear error naming the runs
    /// there are when it is not one of them.
    package static func find(_ id: String, in model: MonitorModel, origin: String) throws(LookupError) -> ComparableRun {
        guard let run = model.run(id) else {
            let ids = model.runTree.map(\.id)
            let known = ids.isEmpty ? "it holds no runs" : "its runs: " + ids.prefix(10).joined(separator: ", ")
                + (ids.count > 10 ? ", … (\(ids.count) in all)" : "")
            throw LookupError(description: "no run \"\(id)\" in \(origin) (\(known))")
        }
        var comparable = ComparableRun(run: run, model: model)
        comparable.origin = origin
        return comparable
    }
}
