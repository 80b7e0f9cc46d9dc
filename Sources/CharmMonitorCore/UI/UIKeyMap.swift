/// What a key does in the monitor, named so that the key map, the update function and the
/// help overlay all speak of the same thing.
public enum UIAction: String, CaseIterable, Sendable {
    case down, up, pageDown, pageUp, top, bottom
    case nextPane, previousPane, focusRuns, focusRight
    case open, back, filter, follow, pause, exporters, toggleExporter, goToErrorRun, log, theme, help, quit
}

/// Keys bound to one action, optionally only while a given pane has the focus.
public struct UIKeyBinding: Hashable, Sendable {
    /// The action.
    public var action: UIAction
    /// Every key that does it, all shown in the help.
    public var keys: [Key]
    /// Only while this pane has the focus (checked before the unconditional bindings).
    public var when: UIPane?

    /// A binding with every field given.
    public init(_ action: UIAction, _ keys: [Key], when: UIPane? = nil) {
        self.action = action
        self.keys = keys
        self.when = when
    }
}

/// One line of the help overlay: related bindings and what they do.
public struct UIKeyMapEntry: Hashable, Sendable {
    /// The bindings, shown as "keys / keys".
    public var bindings: [UIKeyBinding]
    /// What they do.
    public var summary: String
    /// The keys as the help shows them, generated from the bindings (so the help can
    /// never list a key that does nothing, or miss one that does something).
    public var label: String {
        bindings.map { b in b.keys.map(\.label).joined(separator: " ") }.joined(separator: " / ")
    }
}

/// The one key map: `UIUpdate` matches keys with it and the help overlay is drawn from it,
/// as Bubble Tea's `key.Binding` holds both the keys and their help.
public enum UIKeyMap {
    /// Every binding, grouped and ordered as the help lists them.
    public static let entries: [UIKeyMapEntry] = [
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.down, [.char("j"), .down]), UIKeyBinding(.up, [.char("k"), .up])],
            summary: "move down / up (scroll in text panes)"),
        UIKeyMapEntry(
            bindings: [
                UIKeyBinding(.pageDown, [.pageDown, .ctrl("d"), .ctrl("f")]),
                UIKeyBinding(.pageUp, [.pageUp, .ctrl("u"), .ctrl("b")]),
            ],
            summary: "page down / up"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.top, [.char("g"), .home]), UIKeyBinding(.bottom, [.char("G"), .end])],
            summary: "top / bottom"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.goToErrorRun, [.char("g")], when: .errors)], summary: "in errors: go to the error's run"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.nextPane, [.tab]), UIKeyBinding(.previousPane, [.backTab])],
            summary: "next / previous pane"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.focusRuns, [.char("h"), .left]), UIKeyBinding(.focusRight, [.right])],
            summary: "runs pane / the pane to its right"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.open, [.enter])], summary: "open: run → calls → call detail; error → its run"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.back, [.escape])], summary: "back: close detail, clear the filter"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.filter, [.char("/")])], summary: "filter by run id, tool name or text (Enter, Esc)"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.follow, [.char("f")])], summary: "follow the token stream on / off"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.pause, [.char("p")])], summary: "pause / resume the view (ingest goes on)"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.exporters, [.char("e")])], summary: "exporters panel"),
        UIKeyMapEntry(
            bindings: [UIKeyBinding(.toggleExporter, [.char(" ")], when: .exporters)],
            summary: "in exporters: switch one on / off"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.log, [.char("l")])], summary: "log of raw prints, thinking, status / tokens"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.theme, [.char("t")])], summary: "next theme"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.help, [.char("?")])], summary: "this help"),
        UIKeyMapEntry(bindings: [UIKeyBinding(.quit, [.char("q"), .ctrl("c")])], summary: "quit"),
    ]

    /// Every binding, the pane-specific ones first so they win over the general ones.
    public static let bindings: [UIKeyBinding] = {
        let all = entries.flatMap(\.bindings)
        return all.filter { $0.when != nil } + all.filter { $0.when == nil }
    }()

    /// The action `key` triggers while `focus` has the focus, if any.
    public static func action(for key: Key, focus: UIPane) -> UIAction? {
        for b in bindings where b.keys.contains(key) && (b.when == nil || b.when == focus) { return b.action }
        return nil
    }
}

extension Key {
    /// How the help shows the key: `j`, `↓`, `PgDn`, `^D` (Ctrl-D, as vim and nano write
    /// it, so every key of every binding fits on an 80-column help), `Space`.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "^\(String(c).uppercased())"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Delete"
        case .insert: "Insert"
        case .f(let n): "F\(n)"
        }
    }
}
