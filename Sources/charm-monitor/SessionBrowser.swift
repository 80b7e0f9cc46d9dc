import CharmMonitorCore
import CharmRecording
import CharmTelemetry

/// The front end's side of the session picker (`o`): reads the recording, so the pure core
/// never does I/O. Used on the UI thread only.
final class SessionBrowser {
    /// The recording database.
    let path: String
    /// The session this monitor is recording, if any (marked in the list).
    let liveSessionID: Int64?
    private var store: SessionStore?

    init(path: String, liveSessionID: Int64?) {
        self.path = path
        self.liveSessionID = liveSessionID
    }

    private func opened() throws -> SessionStore {
        if let store { return store }
        let s = try SessionStore(path: path)
        store = s
        return s
    }

    /// The picker's rows: every session, newest first.
    func sessions() -> UIMessage {
        do {
            let rows = try opened().sessions().reversed().map { s in
                let sources = s.sources.isEmpty ? "-" : s.sources.joined(separator: ",")
                let live = s.id == liveSessionID ? "  (this session)" : (s.endedAt == nil ? "  (not ended)" : "")
                return PickerRow(
                    sessionID: s.id,
                    text: "#\(s.id)  \(s.startedAt.prefix(19).replacingOccurrences(of: "T", with: " "))  \(sources)  "
                        + "\(s.runs) runs  \(s.toolCalls) calls  \(s.errors) errors\(live)")
            }
            return .pickerRows(Array(rows), hits: false, note: nil)
        } catch {
            return .pickerRows([], hits: false, note: "\(error)")
        }
    }

    /// The picker's rows for a full-text search across every session.
    func search(_ text: String) -> UIMessage {
        do {
            let rows = try opened().search(text, limit: 200).map { h in
                PickerRow(
                    sessionID: h.sessionID, runID: h.runID,
                    text: "#\(h.sessionID)  \(h.runID ?? "-")  \(h.kind)  \(h.callID.map { "\($0)  " } ?? "")\(h.snippet)")
            }
            return .pickerRows(rows, hits: true, note: nil)
        } catch {
            return .pickerRows([], hits: true, note: "\(error)")
        }
    }

    /// Session `id` replayed, its header label, and its step history's loader.
    func open(_ id: Int64) throws -> (engine: MonitorEngine, label: String, history: @Sendable () throws -> StepHistory) {
        let store = try opened()
        let session = try store.session(String(id))
        let engine = MonitorEngine(replayed: try store.replay(id))
        return (engine, "session \(id) · \(session.startedAt)", StepHistoryLoaders.recording(path: path, sessionID: id))
    }
}
