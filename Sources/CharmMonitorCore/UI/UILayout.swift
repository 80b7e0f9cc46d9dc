/// Where each pane goes for a screen size and a UI state. Shared by `render` and by
/// `update` (mouse hit-testing, page sizes), so a click always lands on what is drawn.
package struct UILayout: Hashable, Sendable {
    /// The smallest screen the panes fit on; below it a message says so.
    package static let minimumWidth = 60
    /// See `minimumWidth`.
    package static let minimumHeight = 16

    /// The header rows.
    package var header: Rect
    /// The footer row.
    package var footer: Rect
    /// Each visible pane's outer rectangle (border included).
    package var panes: [UIPane: Rect]
    /// False when the screen is below the minimum size.
    package var fits: Bool

    /// The layout for a `width`×`height` screen.
    package init(width: Int, height: Int, state: UIState) {
        fits = width >= UILayout.minimumWidth && height >= UILayout.minimumHeight
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        let rows = screen.split(.vertical, [.cells(2), .rest, .cells(1)])
        header = rows[0]
        footer = rows[2]
        panes = [:]
        guard fits else { return }
        let body = rows[1]
        // The bottom strip (errors, exporters) gets about a quarter, never under 5 rows.
        let stripHeight = max(5, body.height * 27 / 100)
        let parts = body.split(.vertical, [.rest, .cells(stripHeight)])
        let top = parts[0]
        let strip = parts[1]
        let runsWidth = min(max(32, width * 40 / 100), 64)
        let columns = top.split(.horizontal, [.cells(runsWidth), .rest])
        if state.compareOpen {
            // Two runs side by side need the width: the comparison takes the runs and
            // calls panes' place; the errors (and exporters) strip stays.
            panes[.compare] = top
        } else if state.toolsViewOpen {
            panes[.toolStats] = top
        } else if state.detailOpen {
            panes[.runs] = columns[0]
            panes[.detail] = columns[1]
        } else {
            panes[.runs] = columns[0]
            let right = columns[1].split(.vertical, [.fraction(0.5), .rest])
            panes[.tools] = right[0]
            panes[state.showLog ? .log : .tokens] = right[1]
        }
        if state.exportersVisible {
            let halves = strip.split(.horizontal, [.fraction(0.45), .rest])
            panes[.errors] = halves[0]
            panes[.exporters] = halves[1]
        } else {
            panes[.errors] = strip
        }
    }

    /// The inside of a pane (within its border), or an empty rectangle.
    package func inner(_ pane: UIPane) -> Rect {
        panes[pane]?.inset(by: 1) ?? Rect(x: 0, y: 0, width: 0, height: 0)
    }

    /// Rows visible inside a pane, at least 1 so paging always moves.
    package func visibleRows(_ pane: UIPane) -> Int { max(1, inner(pane).height) }

    /// Rows at the top of a pane's inside that are not list rows: a column heading, or
    /// the token pane's rate line.
    package static func headingRows(_ pane: UIPane) -> Int {
        switch pane {
        case .runs, .tools, .exporters, .tokens, .compare, .toolStats: 1
        case .errors, .log, .detail: 0
        }
    }

    /// List rows visible in a pane (below its heading), at least 1.
    package func listRows(_ pane: UIPane) -> Int { max(1, inner(pane).height - UILayout.headingRows(pane)) }

    /// The pane under a screen cell, if any.
    package func pane(atX x: Int, y: Int) -> UIPane? {
        panes.first { $0.value.contains(x: x, y: y) }?.key
    }
}
