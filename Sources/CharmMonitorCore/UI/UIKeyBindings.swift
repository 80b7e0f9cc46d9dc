/// Every key binding with what it does: the help overlay lists these, and docs/monitor.md
/// mirrors them. Kept beside `UIUpdate` so a new key is documented where it is added.
public enum UIKeyBindings {
    /// One binding as the help overlay shows it.
    public struct Binding: Hashable, Sendable {
        /// The keys, e.g. "j ↓".
        public var keys: String
        /// What they do.
        public var action: String
    }

    /// All bindings, in the order the help overlay lists them.
    public static let all: [Binding] = [
        Binding(keys: "j ↓ / k ↑", action: "move down / up (scroll in text panes)"),
        Binding(keys: "PgDn / PgUp", action: "page down / up (also Ctrl-D / Ctrl-U)"),
        Binding(keys: "g Home / G End", action: "top / bottom (g in errors: go to its run)"),
        Binding(keys: "Tab / Shift-Tab", action: "next / previous pane"),
        Binding(keys: "h ← / →", action: "runs pane / the pane to its right"),
        Binding(keys: "Enter", action: "open: run → calls → call detail; error → its run"),
        Binding(keys: "Esc", action: "back: close detail, clear the filter"),
        Binding(keys: "/", action: "filter by run id, tool name or text (Enter, Esc)"),
        Binding(keys: "f", action: "follow the token stream on / off"),
        Binding(keys: "p", action: "pause / resume the view (ingest goes on)"),
        Binding(keys: "e", action: "exporters panel; Space switches one on / off"),
        Binding(keys: "l", action: "log of raw prints, thinking, status / tokens"),
        Binding(keys: "t", action: "next theme"),
        Binding(keys: "?", action: "this help"),
        Binding(keys: "q", action: "quit (also Ctrl-C)"),
        Binding(keys: "mouse", action: "click selects, wheel scrolls"),
    ]
}
