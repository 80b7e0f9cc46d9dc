/// A line made of pieces that each have a theme role: the detail view's pretty JSON and
/// headings, kept apart from the grid so they can be wrapped before drawing.
public struct StyledLine: Hashable, Sendable {
    /// The pieces in order.
    public var segments: [Segment]

    /// A piece of text in one role.
    public struct Segment: Hashable, Sendable {
        /// The text (no newlines).
        public var text: String
        /// Its role.
        public var role: ThemeRole

        /// A segment.
        public init(_ text: String, _ role: ThemeRole) {
            self.text = text
            self.role = role
        }
    }

    /// A line from segments.
    public init(_ segments: [Segment] = []) { self.segments = segments }

    /// A line of one role.
    public init(_ text: String, _ role: ThemeRole = .text) { self.segments = [Segment(text, role)] }

    /// The plain text.
    public var text: String { segments.map(\.text).joined() }

    /// The line cut into lines of at most `width` cells; continuation lines keep the
    /// original indentation plus two cells so wrapped JSON still reads as nested.
    public func wrapped(width: Int) -> [StyledLine] {
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
