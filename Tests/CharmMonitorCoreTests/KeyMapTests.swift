import CharmTelemetry
import Testing

@testable import CharmMonitorCore

/// The key map is the one source of key matching and of the help: every action has a key,
/// no key means two things in one pane, and pressing each listed key does what it says.
@Suite struct KeyMapTests {
    let script = sampleScript()
    var model: MonitorModel { script.model() }

    @Test("every action has at least one key, and no key is bound twice in the same pane")
    func everyActionIsBound() {
        let bound = Set(UIKeyMap.bindings.map(\.action))
        for action in UIAction.allCases { #expect(bound.contains(action), "no key for \(action)") }
        for pane in UIPane.allCases {
            var seen: [Key: UIAction] = [:]
            for b in UIKeyMap.bindings where b.when == nil || b.when == pane {
                for key in b.keys {
                    if let earlier = seen[key], b.when == nil {
                        // A pane-specific binding shadows a general one on purpose; anything else is a clash.
                        #expect(UIKeyMap.bindings.contains { $0.when == pane && $0.keys.contains(key) && $0.action == earlier },
                                "\(key) means \(earlier) and \(b.action) in \(pane)")
                    }
                    if seen[key] == nil { seen[key] = b.action }
                }
            }
        }
    }

    /// A state in which `action` visibly does something, and how to tell that it did.
    func scenario(_ action: UIAction) -> (UIState, (UIState, UIState, [UIEffect]) -> Bool) {
        var s = UIState()
        s.themeCount = 3
        switch action {
        case .down: return (s, { a, b, _ in a.selectedRunID != b.selectedRunID })
        case .up, .top:
            s.selectedRunID = "run-other"
            return (s, { a, b, _ in a.selectedRunID != b.selectedRunID })
        case .bottom, .pageDown: return (s, { a, b, _ in a.selectedRunID != b.selectedRunID })
        case .pageUp:
            s.selectedRunID = "run-other"
            return (s, { a, b, _ in a.selectedRunID != b.selectedRunID })
        case .nextPane, .previousPane, .focusRight: return (s, { a, b, _ in a.focus != b.focus })
        case .focusRuns:
            s.focus = .tools
            return (s, { _, b, _ in b.focus == .runs })
        case .open: return (s, { a, b, _ in a.focus != b.focus })
        case .back:
            s.filter = "main"
            return (s, { _, b, _ in b.filter.isEmpty })
        case .filter: return (s, { _, b, _ in b.filterEditing })
        case .follow: return (s, { a, b, _ in a.followTokens != b.followTokens })
        case .pause: return (s, { _, b, _ in b.paused != nil })
        case .exporters: return (s, { _, b, _ in b.exportersVisible })
        case .toggleExporter:
            s.exportersVisible = true
            s.focus = .exporters
            return (s, { _, _, effects in !effects.isEmpty })
        case .goToErrorRun:
            s.focus = .errors
            s.selectedErrorIndex = UIRows.errors(model, filter: "").firstIndex { $0.runID == "run-child" }
            return (s, { _, b, _ in b.selectedRunID == "run-child" })
        case .log: return (s, { a, b, _ in a.showLog != b.showLog })
        case .theme: return (s, { _, _, effects in effects.contains(.setTheme(index: 1)) })
        case .help: return (s, { _, b, _ in b.helpVisible })
        case .quit: return (s, { _, b, effects in b.quit && effects.contains(.quit(status: 0)) })
        case .yank, .yankWhole:
            return (s, { _, _, effects in effects.contains { if case .copyToClipboard = $0 { true } else { false } } })
        case .stepBack, .stepForward:
            // Without a history (a live session) the footer says how to get one.
            return (s, { _, b, _ in b.statusMessage == HistorySupport.noHistory })
        case .exportRun:
            return (s, { _, _, effects in effects.contains { if case .exportRun = $0 { true } else { false } } })
        case .mark: return (s, { _, b, _ in b.markedRun != nil })
        case .compare:
            s.markedRun = ComparableRun(id: "elsewhere", calls: [])
            return (s, { _, b, _ in b.compareOpen && b.focus == .compare })
        case .toolsView: return (s, { _, b, _ in b.toolsViewOpen && b.focus == .toolStats })
        case .sortNext:
            s.toolsViewOpen = true
            s.focus = .toolStats
            return (s, { a, b, _ in a.toolStatsPane.sort != b.toolStatsPane.sort })
        case .sortReverse:
            s.toolsViewOpen = true
            s.focus = .toolStats
            return (s, { a, b, _ in a.toolStatsPane.reversed != b.toolStatsPane.reversed })
        case .sessions:
            // The front end answers with the recording's sessions.
            return (s, { _, _, effects in effects.contains(.listSessions) })
        }
    }

    @Test("pressing every key the help lists does what the help says")
    func everyListedKeyWorks() {
        let exporters = [ExporterRow(name: "jsonl", enabled: true)]
        for binding in UIKeyMap.bindings {
            for key in binding.keys {
                let (before, worked) = scenario(binding.action)
                let (after, effects) = press([key], before, model: model, width: 120, height: 36, now: script.end, exporters: exporters)
                #expect(worked(before, after, effects), "\(key.label) did not \(binding.action)")
            }
        }
    }
}
