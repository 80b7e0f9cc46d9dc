extension DisplayWidth {
    /// `string` cut to at most `width` cells, ending in `ellipsis` when something was cut.
    ///
    /// A wide character that would straddle the limit is dropped rather than split, so the
    /// result may be one cell narrower than `width`. When even the ellipsis does not fit,
    /// the text is cut without it: a bare prefix tells more than a lone "…".
    package static func truncate(_ string: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if of(string) <= width { return string }
        let ellipsisWidth = of(ellipsis)
        let useEllipsis = ellipsisWidth <= width
        let budget = useEllipsis ? width - ellipsisWidth : width
        var result = ""
        var used = 0
        for character in string {
            let characterWidth = of(character)
            if used + characterWidth > budget { break }
            result.append(character)
            used += characterWidth
        }
        return useEllipsis ? result + ellipsis : result
    }

    /// The longest end of `string` that fits in `width` cells, found in one pass from the end
    /// (for a text field whose cursor is at its end: what was typed last stays in view).
    package static func suffix(_ string: String, fitting width: Int) -> Substring {
        guard width > 0 else { return string[string.endIndex...] }
        var start = string.endIndex
        var used = 0
        while start > string.startIndex {
            let before = string.index(before: start)
            let w = of(string[before])
            if used + w > width { break }
            used += w
            start = before
        }
        return string[start...]
    }

    /// `string` word-wrapped into lines of at most `width` cells.
    ///
    /// Lines break at spaces; a word wider than a line is hard-broken. Every "\n" starts a
    /// new line, so an empty paragraph gives an empty line. Spaces at a break vanish, but
    /// a paragraph's leading indentation is kept when it fits, because indented JSON and
    /// tool output read wrong without it. A single character wider than `width` (a wide
    /// character in a one-cell column) gets a line of its own; `Grid.put` clips it.
    package static func wrap(_ string: String, width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        for paragraph in string.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lines.append(contentsOf: wrapParagraph(paragraph, width: width))
        }
        return lines
    }

    /// Greedy wrapping of one paragraph that holds no newline.
    private static func wrapParagraph(_ paragraph: Substring, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        var pendingSpace = ""
        var atParagraphStart = true

        func place(word: Substring) {
            var chunk = ""
            var chunkWidth = 0
            for character in word {
                let characterWidth = of(character)
                if chunkWidth + characterWidth > width, !chunk.isEmpty {
                    lines.append(chunk)
                    chunk = ""
                    chunkWidth = 0
                }
                chunk.append(character)
                chunkWidth += characterWidth
            }
            line = chunk
            lineWidth = chunkWidth
        }

        for token in tokens(of: paragraph) {
            if token.first == " " {
                pendingSpace = String(token)
                continue
            }
            let wordWidth = of(String(token))
            let prefix = (line.isEmpty && !atParagraphStart) ? "" : pendingSpace
            let prefixWidth = of(prefix)
            if lineWidth + prefixWidth + wordWidth <= width {
                line += prefix + token
                lineWidth += prefixWidth + wordWidth
            } else {
                if !line.isEmpty { lines.append(line) }
                place(word: token)
            }
            pendingSpace = ""
            atParagraphStart = false
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Splits text into alternating runs of spaces and of everything else.
    private static func tokens(of text: Substring) -> [Substring] {
        var result: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            let isSpace = text[index] == " "
            var end = index
            while end < text.endIndex, (text[end] == " ") == isSpace {
                end = text.index(after: end)
            }
            result.append(text[index..<end])
            index = end
        }
        return result
    }
}
