/// What a key does in the monitor, named so that the key map, the update function and the
/// help overlay all speak of the same thing.
package enum UIAction: String, CaseIterable, Sendable {
    case down, up, pageDown, pageUp, top, bottom
    case nextPane, previousPane, focusRuns, focusRight
    case open, back, filter, follow, pause, exporters, toggleExporter, goToErrorRun, log, theme, help, quit
    case yank, yankWhole, exportRun, stepBack, stepForward
    case mark, compare
    case toolsView, sortNext, sortReverse
    case sessions
}

/// The monitor's bindings: an action, its keys, and the pane it is limited to.
package typealias UIKeyBinding = KeyBinding<UIAction, UIPane>

/// The monitor's key map: `UIUpdate` matches keys with it and the help overlay is drawn
/// from it (see `KeyMap`).
package enum UIKeyMap {
    /// The map.
    package static let map = KeyMap<UIAction, UIPane>([
        KeyMapEntry([UIKeyBinding(.down, [.char("j"), .down]), UIKeyBinding(.up, [.char("k"), .up])],
                    "move down / up (scroll in text panes)"),
        KeyMapEntry([UIKeyBinding(.pageDown, [.pageDown, .ctrl("d"), .ctrl("f")]),
                     UIKeyBinding(.pageUp, [.pageUp, .ctrl("u"), .ctrl("b")])], "page down / up"),
        KeyMapEntry([UIKeyBinding(.top, [.char("g"), .home]), UIKeyBinding(.bottom, [.char("G"), .end]),
                     UIKeyBinding(.goToErrorRun, [.char("g")], when: .errors)], "top / bottom; in errors: go to the error's run"),
        KeyMapEntry([UIKeyBinding(.nextPane, [.tab]), UIKeyBinding(.previousPane, [.backTab])], "next / previous pane"),
        KeyMapEntry([UIKeyBinding(.focusRuns, [.char("h"), .left]), UIKeyBinding(.focusRight, [.right])],
                    "runs pane / the pane to its right"),
        KeyMapEntry([UIKeyBinding(.open, [.enter])], "open: run → calls → call detail; error → its run"),
        KeyMapEntry([UIKeyBinding(.back, [.escape])], "back: close detail, clear the filter"),
        KeyMapEntry([UIKeyBinding(.filter, [.char("/")])], "filter by run id, tool name or text (Enter, Esc)"),
        KeyMapEntry([UIKeyBinding(.follow, [.char("f")])], "follow the token stream on / off"),
        KeyMapEntry([UIKeyBinding(.pause, [.char("p")])], "pause / resume the view (ingest goes on)"),
        KeyMapEntry([UIKeyBinding(.exporters, [.char("e")]), UIKeyBinding(.toggleExporter, [.char(" ")], when: .exporters)],
                    "exporters panel; Space in it: on / off"),
        KeyMapEntry([UIKeyBinding(.log, [.char("l")])], "log of raw prints, thinking, status / tokens"),
        KeyMapEntry([UIKeyBinding(.mark, [.char("m")]), UIKeyBinding(.compare, [.char("c")])],
                    "mark a run / compare the selected run with it"),
        KeyMapEntry([UIKeyBinding(.toolsView, [.char("T")]), UIKeyBinding(.sortNext, [.char("s")], when: .toolStats),
                     UIKeyBinding(.sortReverse, [.char("S")], when: .toolStats)],
                    "tools view; in it s: sort column, S: reverse"),
        // One row for both: the help must fit 80×24 whole.
        KeyMapEntry([UIKeyBinding(.sessions, [.char("o")]), UIKeyBinding(.theme, [.char("t")])],
                    "recorded sessions (/ search, o: live) / theme"),
        KeyMapEntry([UIKeyBinding(.yank, [.char("y")]), UIKeyBinding(.yankWhole, [.char("Y")]),
                     UIKeyBinding(.exportRun, [.char("x")])], "copy (Y: the whole call) / export the run"),
        KeyMapEntry([UIKeyBinding(.stepBack, [.char("[")]), UIKeyBinding(.stepForward, [.char("]")])],
                    "step back / forward, event by event (Esc leaves)"),
        KeyMapEntry([UIKeyBinding(.help, [.char("?")])], "this help"),
        KeyMapEntry([UIKeyBinding(.quit, [.char("q"), .ctrl("c")])], "quit"),
    ])

    /// Every help line.
    package static var entries: [KeyMapEntry<UIAction, UIPane>] { map.entries }
    /// Every binding, pane-specific ones first.
    package static var bindings: [UIKeyBinding] { map.bindings }

    /// The action `key` triggers while `focus` has the focus, if any.
    package static func action(for key: Key, focus: UIPane) -> UIAction? { map.action(for: key, in: focus) }
}
