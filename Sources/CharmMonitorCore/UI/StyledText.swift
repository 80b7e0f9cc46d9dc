/// A line made of pieces that each have a theme role: the detail view's pretty JSON and
/// headings, kept apart from the grid so they can be wrapped before drawing.
package struct StyledLine: Hashable, Sendable {
    /// The pieces in order.
    package var segments: [Segment]

    /// A piece of text in one role.
    package struct Segment: Hashable, Sendable {
        /// The text (no newlines).
        package var text: String
        /// Its role.
        package var role: ThemeRole

        /// A segment.
        package init(_ text: String, _ role: ThemeRole) {
            self.text = text
            self.role = role
        }
    }

    /// A line from segments.
    package init(_ segments: [Segment] = []) { self.segments = segments }

    /// A line of one role.
    package init(_ text: String, _ role: ThemeRole = .text) { self.segments = [Segment(text, role)] }

    /// The plain text.
    package var text: String { segments.map(\.text).joined() }

    /// The line cut into lines of at most `width` cells; continuation lines keep the
    /// original indentation plus two cells so wrapped JSON still reads as nested.
    package func wrapped(width: Int) -> [StyledLine] {
        let width = max(1, width)
        guard DisplayWidth.of(text) > width else { return [self] }
        let indent = text.prefix { $0 == " " }.count
        let hang = min(indent + 2, width / 2)
        var lines: [StyledLine] = []
        var current = StyledLine()
        var used = 0
        for segment in segments {
            var piece = ""
            for character in segment.text {
                let w = DisplayWidth.of(character)
                if used + w > width, used > hang {
                    if !piece.isEmpty { current.segments.append(Segment(piece, segment.role)) }
                    lines.append(current)
                    current = StyledLine(String(repeating: " ", count: hang), .text)
                    used = hang
                    piece = ""
                }
                piece.append(character)
                used += w
            }
            if !piece.isEmpty { current.segments.append(Segment(piece, segment.role)) }
        }
        if !current.segments.isEmpty { lines.append(current) }
        return lines
    }
}
