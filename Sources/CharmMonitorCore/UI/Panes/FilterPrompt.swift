/// The filter: `/` opens a prompt in the footer, Enter applies what was typed, Esc
/// cancels. Owns the filter in force, the draft and whether it is being typed.
struct FilterPrompt: Component, Hashable, Sendable {
    /// The longest filter, in UTF-8 bytes: a paste beyond it is cut.
    static let maxBytes = 1_024

    /// The filter in force (case-insensitive substring of run id, tool name or text).
    var filter = ""
    /// The filter being typed, while `editing`.
    var draft = ""
    /// True while the user types a filter after `/`.
    var editing = false

    /// What the owner must do after a key.
    enum Effect {
        /// A new filter is in force: lists start over from their top.
        case applied
    }

    /// Opens the prompt on the filter in force.
    mutating func open() {
        editing = true
        draft = filter
    }

    /// A key typed into the prompt.
    mutating func update(_ key: Key, context: Void) -> [Effect] {
        switch key {
        case .enter:
            filter = draft
            editing = false
            return [.applied]
        case .escape:
            editing = false
            draft = filter
        case .backspace:
            if !draft.isEmpty { draft.removeLast() }
        case .ctrl("u"):
            draft = ""
        case .char(let c):
            // Bounded, so a pasted megabyte costs nothing per frame; the rest is ignored.
            if draft.utf8.count < FilterPrompt.maxBytes { draft.append(c) }
        default:
            break
        }
        return []
    }

    /// The prompt, drawn over the footer row while editing.
    func render(_ view: Void, into p: inout UIPainter, area rect: Rect) {
        guard rect.height > 0 else { return }
        p.grid.fill(rect: rect, style: p.theme[.footer])
        let y = rect.y
        var x = rect.x + 1
        x += p.grid.put("filter: ", x: x, y: y, style: p.theme[.footerKey])
        let room = max(0, rect.maxX - 30 - x)
        // One pass from the end: a pasted 16k-character draft used to be trimmed a
        // character at a time, re-measuring the whole string each time, every frame.
        let shown = DisplayWidth.suffix(draft, fitting: room - 1)
        x += p.grid.put(String(shown), x: x, y: y, style: p.theme[.footer], maxWidth: room)
        p.grid.put("▏", x: x, y: y, style: p.theme[.footerKey])
        let hint = "Enter apply · Esc cancel"
        p.grid.put(hint, x: rect.maxX - 1 - hint.count, y: y, style: p.theme[.footer])
    }
}
