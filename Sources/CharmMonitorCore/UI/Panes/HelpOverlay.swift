/// The key map in a centred box, generated from `UIKeyMap` — the same map that matches
/// keys — plus the mouse, which has no key. Owns whether it is shown; any key closes it.
struct HelpOverlay: Component, Hashable, Sendable {
    /// Whether the overlay is shown.
    var visible = false

    /// What the owner must do after a key.
    enum Effect {
        /// The user asked to quit from the overlay.
        case quit
    }

    /// A key while the overlay is shown: `q` quits, anything else closes it.
    mutating func update(_ key: Key, context: Void) -> [Effect] {
        if key == .char("q") { return [.quit] }
        visible = false
        return []
    }

    /// Draws over the whole screen (`area`), centred.
    func render(_ view: Void, into p: inout UIPainter, area screen: Rect) {
        let rows = UIKeyMap.entries.map { ($0.label, $0.summary) } + [("mouse", "click selects, wheel scrolls")]
        let keyWidth = rows.map { DisplayWidth.of($0.0) }.max() ?? 0
        let lineWidth = rows.map { keyWidth + 2 + DisplayWidth.of($0.1) }.max() ?? 0
        let width = min(screen.width - 4, lineWidth + 4)
        // A blank row above and below the keys while there is room; without, the keys.
        let padding = rows.count + 4 <= screen.height - 2 ? 1 : 0
        let height = min(screen.height - 2, rows.count + 2 + 2 * padding)
        let rect = Rect(x: (screen.width - width) / 2, y: (screen.height - height) / 2, width: width, height: height)
        p.grid.fill(rect: rect, style: p.theme[.text])
        let inner = p.box(rect, title: "Keys", focused: true, note: "any key closes")
        for (index, row) in rows.enumerated() where index + padding < inner.height {
            let y = inner.y + padding + index
            p.grid.put(row.0, x: inner.x + 1, y: y, style: p.theme[.accent], maxWidth: keyWidth)
            p.grid.put(row.1, x: inner.x + 1 + keyWidth + 2, y: y, style: p.theme[.text],
                       maxWidth: max(0, inner.width - keyWidth - 3))
        }
    }
}
