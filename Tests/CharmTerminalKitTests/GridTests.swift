import CharmTerminalKit
import Testing

@Suite("Grid")
struct GridTests {
    let red = CellStyle(fg: .ansi(1))

    @Test("sizes", arguments: [(80, 24), (200, 60)])
    func blankGrid(width: Int, height: Int) {
        let grid = Grid(width: width, height: height)
        #expect(grid.lines().count == height)
        #expect(grid.lines().allSatisfy { $0 == String(repeating: " ", count: width) })
        #expect(grid.bounds == Rect(x: 0, y: 0, width: width, height: height))
    }

    @Test func putReturnsColumnsUsed() {
        var grid = Grid(width: 10, height: 2)
        #expect(grid.put("abc", x: 1, y: 0) == 3)
        #expect(grid.put("日本", x: 4, y: 0) == 4)
        #expect(grid.lines()[0] == " abc日本  ")
        #expect(grid[x: 5, y: 0].isContinuation)
        #expect(grid[x: 4, y: 0].grapheme == "日")
    }

    @Test("clipping by display width", arguments: [(80, 24), (200, 60)])
    func longLinesNeverSpill(width: Int, height: Int) {
        var grid = Grid(width: width, height: height)
        let long = String(repeating: "界a🙂e\u{301}", count: 500)
        for row in 0..<height {
            grid.put(long, x: row % 7, y: row)
        }
        for line in grid.lines() {
            #expect(DisplayWidth.of(line) <= width)
        }
        // Every row covers the whole width: the grid stays rectangular whatever was put.
        #expect(grid.cells.count == width * height)
        #expect(grid.lines().allSatisfy { DisplayWidth.of($0) == width })
    }

    @Test func wideCharacterAtTheLimitBecomesASpace() {
        var grid = Grid(width: 5, height: 1)
        grid.put("xxxxx", x: 0, y: 0)
        #expect(grid.put("abcツ", x: 1, y: 0, style: red) == 4)
        #expect(grid.lines() == ["xabc "])
        #expect(grid[x: 4, y: 0].style == red)

        var limited = Grid(width: 10, height: 1)
        #expect(limited.put("ツツツ", x: 0, y: 0, maxWidth: 5) == 5)
        #expect(limited.lines() == ["ツツ      "])
        #expect(!limited[x: 4, y: 0].isContinuation)
    }

    @Test func maxWidthIsRespected() {
        var grid = Grid(width: 20, height: 1)
        #expect(grid.put("hello world", x: 2, y: 0, maxWidth: 5) == 5)
        #expect(grid.lines()[0].trimmingSpaces == "hello")
        #expect(grid.put("zzz", x: 2, y: 0, maxWidth: 0) == 0)
    }

    @Test func outOfBoundsWritesNothing() {
        var grid = Grid(width: 4, height: 2)
        #expect(grid.put("a", x: 0, y: 2) == 0)
        #expect(grid.put("a", x: 0, y: -1) == 0)
        #expect(grid.put("a", x: 4, y: 0) == 0)
        #expect(grid.text == "    \n    ")
    }

    @Test func leftClippingKeepsColumns() {
        var grid = Grid(width: 4, height: 1)
        #expect(grid.put("ツab", x: -1, y: 0) == 4)
        #expect(grid.lines() == [" ab "])
    }

    @Test("control characters never reach a cell", arguments: [
        ("a\tb", "a b"), ("a\nb", "a␊b"), ("a\rb", "a␍b"), ("\u{1b}[2J", "␛[2J"),
        ("x\u{7f}", "x␡"), ("\u{85}", "\u{FFFD}"), ("\r\n", "␍"), ("\u{7}", "␇"),
    ])
    func controlsAreSanitised(input: String, shown: String) {
        var grid = Grid(width: 8, height: 1)
        grid.put(input, x: 0, y: 0)
        let line = grid.lines()[0]
        #expect(line.hasPrefix(shown))
        #expect(!line.unicodeScalars.contains { $0.properties.generalCategory == .control })
    }

    @Test func combiningMarksStayInTheirCell() {
        var grid = Grid(width: 6, height: 1)
        #expect(grid.put("e\u{301}te\u{301}", x: 0, y: 0) == 3)
        #expect(grid[x: 0, y: 0].grapheme == "e\u{301}")
        #expect(grid.lines()[0] == "e\u{301}te\u{301}   ")
        // A stray mark with nothing to combine with takes no cell at all.
        #expect(grid.put("\u{301}x", x: 4, y: 0) == 1)
        #expect(grid[x: 4, y: 0].grapheme == "x")
    }

    @Test func emojiSequencesTakeTwoCells() {
        var grid = Grid(width: 8, height: 1)
        #expect(grid.put("👨‍👩‍👧🇫🇷❤️", x: 0, y: 0) == 6)
        #expect(grid.lines()[0] == "👨‍👩‍👧🇫🇷❤️  ")
    }

    @Test func overwritingHalfAWideCharacterRepairsTheOtherHalf() {
        var grid = Grid(width: 6, height: 1)
        grid.put("日本語", x: 0, y: 0)
        grid.put("x", x: 1, y: 0)  // right half of 日
        #expect(grid.lines() == [" x本語"])
        grid.put("y", x: 2, y: 0)  // left half of 本
        #expect(grid.lines() == [" xy 語"])
        #expect(grid.cells.contains { $0.isContinuation })
        assertWellFormed(grid)
    }

    @Test func fillBlanksAndCutsWideCharacters() {
        var grid = Grid(width: 6, height: 3)
        for row in 0..<3 { grid.put("日本語", x: 0, y: row) }
        grid.fill(rect: Rect(x: 1, y: 1, width: 2, height: 5), style: red)
        #expect(grid.lines() == ["日本語", "    語", "    語"])
        #expect(grid[x: 2, y: 1].style == red)
        #expect(grid[x: 0, y: 1].style == .plain)
        assertWellFormed(grid)
    }

    @Test func restyleKeepsText() {
        var grid = Grid(width: 4, height: 1)
        grid.put("abcd", x: 0, y: 0)
        grid.restyle(rect: Rect(x: 1, y: 0, width: 2, height: 1), style: red)
        #expect(grid.lines() == ["abcd"])
        #expect(grid[x: 1, y: 0].style == red)
        #expect(grid[x: 3, y: 0].style == .plain)
    }

    private func assertWellFormed(_ grid: Grid, sourceLocation: SourceLocation = #_sourceLocation) {
        for row in 0..<grid.height {
            for column in 0..<grid.width {
                let cell = grid[x: column, y: row]
                let wide = !cell.isContinuation && DisplayWidth.of(cell.grapheme) == 2
                let nextIsContinuation = column + 1 < grid.width && grid[x: column + 1, y: row].isContinuation
                #expect(wide == nextIsContinuation, "cell (\(column), \(row))", sourceLocation: sourceLocation)
            }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
