import CharmTelemetry
import Synchronization

/// Which runs match the filter, remembered from frame to frame, so that with a filter set a
/// frame matches again only what changed, and only the part that changed: a run that
/// matched still does after more text or calls were appended, and one that did not is
/// searched only in its new calls and its new text (with a filter's length before it, for
/// a match across the old end). A run whose oldest text or calls were dropped, or a new
/// filter, is matched in full once. Without a cache (tests, a key press) every run is
/// matched in full, as before.
///
/// One thread uses it (the front end's), but it sits in the `Sendable` `UIContext`, so its
/// state is behind a `Mutex`: uncontended, taken once per frame for the whole list.
package final class RunFilterCache: Sendable {
    private struct Entry {
        var order: UInt64
        var matched: Bool
        var textBytes: Int
        var droppedTextBytes: Int
        var callCount: Int
        var evictedCalls: Int
        /// LLM calls seen (a new one is matched afresh: they arrive whole and rarely).
        var llmCalls: Int
    }

    private struct State {
        var filter = ""
        var entries: [String: Entry] = [:]
    }

    private let state = Mutex(State())

    /// An empty cache.
    package init() {}

    /// The rows of `tree` whose runs in `model` match `filter` (not empty).
    func filter(_ tree: [RunTreeRow], model: MonitorModel, filter: String) -> [RunTreeRow] {
        state.withLock { s in
            if s.filter != filter {
                s.filter = filter
                s.entries = [:]
            }
            var rows: [RunTreeRow] = []
            for row in tree {
                guard let i = model.runs.index(forKey: row.id) else { continue }
                if RunFilterCache.matches(model.runs.values[i], filter: filter, entries: &s.entries) { rows.append(row) }
            }
            // Entries of runs no longer kept go once they are half of what is remembered.
            if s.entries.count > 2 * tree.count + 64 {
                let kept = Set(tree.map(\.id))
                s.entries = s.entries.filter { kept.contains($0.key) }
            }
            return rows
        }
    }

    private static func matches(_ run: MonitorRun, filter: String, entries: inout [String: Entry]) -> Bool {
        var entry = Entry(
            order: run.order, matched: false, textBytes: run.textBytes, droppedTextBytes: run.droppedTextBytes,
            callCount: run.toolCallCount, evictedCalls: run.evictedToolCalls, llmCalls: run.llmCallCount)
        if let old = entries[run.id], old.order == run.order, old.droppedTextBytes == run.droppedTextBytes,
            old.llmCalls == run.llmCallCount,
            old.evictedCalls == run.evictedToolCalls, old.textBytes <= run.textBytes, old.callCount <= run.toolCallCount
        {
            entry.matched = old.matched || appendedMatches(run, since: old, filter: filter)
        } else {
            entry.matched = UIRows.runMatches(run, filter: filter)
        }
        entries[run.id] = entry
        return entry.matched
    }

    /// Whether what was appended to `run` since `old` matches: its new calls, its new text.
    private static func appendedMatches(_ run: MonitorRun, since old: Entry, filter: String) -> Bool {
        let newCalls = run.toolCalls.suffix(max(0, min(run.toolCalls.count, run.toolCallCount - old.callCount)))
        if newCalls.contains(where: { UIRows.matches($0.toolName, filter) || UIRows.matches($0.input, filter) }) { return true }
        let fresh = run.textBytes - old.textBytes
        guard fresh > 0 else { return false }
        // Case folding can change a match's length in bytes: four bytes a character is a safe margin.
        let tail = String(decoding: run.text.utf8.suffix(fresh + filter.utf8.count * 4), as: UTF8.self)
        return UIRows.matches(tail, filter)
    }
}
