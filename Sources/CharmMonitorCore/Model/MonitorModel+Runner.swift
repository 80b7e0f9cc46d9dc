import CharmTelemetry
import CharmWire

/// What Charm's runner adds to an agent's stream (charmos 0.5.2, `runner/script_builder.py`
/// and `runner/backend/docker.py`): a heartbeat, artifacts, the container's failure and its
/// exit. None of these carry `telemetry`, so they are read from the wire event itself.
extension MonitorModel {
    /// The runner's heartbeat: `{"type":"thinking","content":"..."}` every 5 s while the
    /// container lives. It says the source is alive, not anything worth a log line.
    static func isHeartbeat(_ e: WireEvent) -> Bool {
        e.type == "thinking" && isHeartbeat(content: e.contentText)
    }

    /// Whether a `thinking` line's content is the runner's heartbeat (for a caller that has
    /// the content already).
    static func isHeartbeat(content: String) -> Bool { content == RunnerMessages.heartbeat }

    /// Applies the runner's part of a wire event, after its hook events (so a run a legacy
    /// stream's `error` just opened is there to take the exit code).
    mutating func applyRunnerEvent(_ e: WireEvent, source: SourceID, at: Timestamp) {
        switch e.type {
        case "thinking" where Self.isHeartbeat(e):
            noteHeartbeat(source, at: at)
        case "internal_artifact_found", "artifact":
            guard let content = e.object["content"]?.objectValue else { return }
            let location = content["path"]?.stringValue ?? content["url"]?.stringValue ?? ""
            let name = content["rel_path"]?.stringValue ?? content["name"]?.stringValue ?? location
            guard !location.isEmpty || !name.isEmpty else { return }
            let artifact = RunArtifact(location: location, name: name, mime: content["mime"]?.stringValue, at: at)
            guard let run = runnerTarget(source: source, runID: content["run_id"]?.stringValue) else { return }
            updateRun(run) { r in
                r.artifacts.append(artifact)
                if r.artifacts.count > MonitorModel.maxArtifactsPerRun { r.artifacts.removeFirst() }
            }
        case "error":
            let text = e.contentText
            guard RunnerMessages.isRunnerError(text) else { return }
            let code = RunnerMessages.failureExitCode(text)
            let target = runnerTarget(source: source, runID: nil)
            if let target {
                updateRun(target) { r in
                    if let code { r.exitCode = code }
                    if r.lastError == nil { r.lastError = TelemetryError(type: "RunnerError", message: text) }
                }
            }
            // A legacy stream's interpreter already made this an error hook (with its entry).
            if e.hookEvents.isEmpty {
                let runID = target.map { runs.values[$0].id }
                addError(MonitorErrorEntry(at: at, kind: .run, source: source, runID: runID, message: text))
            }
            endRunningRuns(of: source, status: .error, at: at)
        case "internal_run_finished":
            let content = e.object["content"]
            guard let code = content?["exit_code"]?.intValue else { return }
            if let target = runnerTarget(source: source, runID: nil) {
                updateRun(target) { r in r.exitCode = Int(code) }
            }
            endRunningRuns(of: source, status: code == 0 ? .ok : .error, at: at)
        default:
            break
        }
    }

    /// Artifacts kept per run, the oldest dropped first.
    static let maxArtifactsPerRun = 256

    private mutating func noteHeartbeat(_ source: SourceID, at: Timestamp) {
        if sources[source] == nil { setSourceState(source, .open, at: at) }
        sources[source]?.heartbeats += 1
        sources[source]?.lastHeartbeat = at
    }

    /// The run a runner event is about: the one it names, else this source's latest
    /// top-level run (the runner runs one agent per container).
    private func runnerTarget(source: SourceID, runID: String?) -> [String: MonitorRun].Index? {
        if let runID, let i = runs.index(forKey: runID) { return i }
        var best: (order: UInt64, index: [String: MonitorRun].Index)?
        for i in runs.indices {
            let r = runs.values[i]
            guard r.source == source, r.parentID == nil else { continue }
            if best == nil || r.order > best!.order { best = (r.order, i) }
        }
        return best?.index
    }

    /// The container is gone: every run of `source` still running has ended.
    private mutating func endRunningRuns(of source: SourceID, status: RunStatus, at: Timestamp) {
        let open = runs.indices.filter { runs.values[$0].source == source && !runs.values[$0].isFinished }
        var ended: [String] = []
        for i in open {
            updateRun(i) { r in
                r.end = max(at, r.start)
                r.endStatus = status
            }
            ended.append(runs.values[i].id)
        }
        for id in ended { noteFinished(id) }
    }
}
