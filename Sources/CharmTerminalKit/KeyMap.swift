/// Keys bound to one action, optionally only in one context (a pane, a mode).
package struct KeyBinding<Action: Hashable & Sendable, Context: Hashable & Sendable>: Hashable, Sendable {
    /// The action.
    package var action: Action
    /// Every key that does it, all shown in the help.
    package var keys: [Key]
    /// Only in this context (checked before the bindings that hold everywhere).
    package var when: Context?

    /// A binding with every field given.
    package init(_ action: Action, _ keys: [Key], when: Context? = nil) {
        self.action = action
        self.keys = keys
        self.when = when
    }
}

/// One line of a help overlay: related bindings and what they do.
package struct KeyMapEntry<Action: Hashable & Sendable, Context: Hashable & Sendable>: Hashable, Sendable {
    /// The bindings, shown as "keys / keys".
    package var bindings: [KeyBinding<Action, Context>]
    /// What they do.
    package var summary: String

    /// An entry with every field given.
    package init(_ bindings: [KeyBinding<Action, Context>], _ summary: String) {
        self.bindings = bindings
        self.summary = summary
    }

    /// The keys as a help shows them, generated from the bindings, so a help drawn from the
    /// map can neither list a key that does nothing nor miss one that does something.
    package var label: String {
        bindings.map { b in b.keys.map(\.label).joined(separator: " ") }.joined(separator: " / ")
    }
}

/// The one source of both key matching and help, as Bubble Tea's `key.Binding` holds both
/// the keys and their help text.
package struct KeyMap<Action: Hashable & Sendable, Context: Hashable & Sendable>: Sendable {
    /// Every binding, grouped and ordered as the help lists them.
    package let entries: [KeyMapEntry<Action, Context>]
    /// Every binding, the context-specific ones first so they win over the general ones.
    package let bindings: [KeyBinding<Action, Context>]

    /// A map of `entries`.
    package init(_ entries: [KeyMapEntry<Action, Context>]) {
        self.entries = entries
        let all = entries.flatMap(\.bindings)
        self.bindings = all.filter { $0.when != nil } + all.filter { $0.when == nil }
    }

    /// The action `key` triggers in `context`, if any.
    package func action(for key: Key, in context: Context) -> Action? {
        for b in bindings where b.keys.contains(key) && (b.when == nil || b.when == context) { return b.action }
        return nil
    }
}

extension Key {
    /// How a help shows the key: `j`, `↓`, `PgDn`, `^D` (Ctrl-D, as vim and nano write it,
    /// so every key of a binding fits on an 80-column help), `Space`.
    package var label: String {
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
