import CharmTerminalKit
import Testing

@Suite("Grid layout: Rect, wrap, truncate")
struct GridLayoutTests {
    let screen = Rect(x: 0, y: 0, width: 80, height: 24)

    @Test func insetNeverGoesNegative() {
        #expect(screen.inset(by: 1) == Rect(x: 1, y: 1, width: 78, height: 22))
        #expect(Rect(x: 0, y: 0, width: 1, height: 1).inset(by: 3).isEmpty)
        #expect(screen.inset(top: 1, bottom: 1).height == 22)
    }

    @Test func fixedAndRestSplit() {
        let rows = screen.split(.vertical, [.cells(1), .rest, .cells(1)])
        #expect(rows.map(\.height) == [1, 22, 1])
        #expect(rows.map(\.y) == [0, 1, 23])
        #expect(rows.allSatisfy { $0.width == 80 })
    }

    @Test("fractions tile the width exactly", arguments: [80, 200, 7, 1, 0])
    func fractionsTile(width: Int) {
        let rect = Rect(x: 3, y: 0, width: width, height: 5)
        let columns = rect.split(.horizontal, fractions: [1.0 / 3, 1.0 / 3, 1.0 / 3])
        #expect(columns.reduce(0) { $0 + $1.width } == width)
        #expect(columns.first?.x == 3)
        for (left, right) in zip(columns, columns.dropFirst()) {
            #expect(left.maxX == right.x)
        }
    }

    @Test func fixedSizesAreCutWhenSpaceRunsOut() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 1).split(.horizontal, sizes: [6, 6, 6])
        #expect(parts.map(\.width) == [6, 4, 0])
    }

    @Test func mixedSplit() {
        let parts = Rect(x: 0, y: 0, width: 100, height: 1).split(.horizontal, [.cells(20), .fraction(0.5), .rest, .rest])
        #expect(parts.map(\.width) == [20, 40, 20, 20])
    }

    @Test func intersection() {
        #expect(screen.intersection(Rect(x: 70, y: 20, width: 20, height: 20)) == Rect(x: 70, y: 20, width: 10, height: 4))
        #expect(screen.intersection(Rect(x: 100, y: 0, width: 5, height: 5)).isEmpty)
        #expect(screen.contains(x: 79, y: 23))
        #expect(!screen.contains(x: 80, y: 0))
    }

    @Test("truncate by display width", arguments: [
        ("hello world", 8, "hello w…"), ("hello", 5, "hello"), ("hello", 0, ""),
        ("日本語テキスト", 7, "日本語…"), ("日本語", 4, "日…"), ("abc", 1, "…"),
        ("🙂🙂🙂", 5, "🙂🙂…"), ("e\u{301}e\u{301}e\u{301}", 2, "e\u{301}…"),
    ])
    func truncate(input: String, width: Int, expected: String) {
        let result = DisplayWidth.truncate(input, to: width)
        #expect(result == expected)
        #expect(DisplayWidth.of(result) <= width)
    }

    @Test func truncateWithWideEllipsisThatDoesNotFit() {
        #expect(DisplayWidth.truncate("abcdef", to: 1, ellipsis: "……") == "a")
    }

    @Test func wrapByWords() {
        #expect(DisplayWidth.wrap("the quick brown fox jumps", width: 10) == ["the quick", "brown fox", "jumps"])
        #expect(DisplayWidth.wrap("", width: 10) == [""])
        #expect(DisplayWidth.wrap("a\n\nb", width: 10) == ["a", "", "b"])
        #expect(DisplayWidth.wrap("line one\r\nline two", width: 20) == ["line one", "line two"])
    }

    @Test func wrapHardBreaksLongWords() {
        #expect(DisplayWidth.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(DisplayWidth.wrap("go supercalifragilistic", width: 8) == ["go", "supercal", "ifragili", "stic"])
    }

    @Test func wrapByDisplayWidthNotCharacterCount() {
        let lines = DisplayWidth.wrap("日本語のテキストです", width: 7)
        #expect(lines == ["日本語", "のテキ", "ストで", "す"])
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 7 })
    }

    @Test func wrapKeepsIndentation() {
        #expect(DisplayWidth.wrap("  {\n    \"k\": 1\n  }", width: 20) == ["  {", "    \"k\": 1", "  }"])
    }

    @Test("wrapped lines never exceed the width", arguments: [1, 2, 3, 10, 80, 200])
    func wrapNeverExceeds(width: Int) {
        let text = String(repeating: "lorem ipsum 日本語 🙂 e\u{301}tude  supercalifragilisticexpialidocious\n", count: 20)
        let lines = DisplayWidth.wrap(text, width: width)
        let limit = max(width, 2)  // a wide character in a one-cell column stands alone
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= limit })
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined()
        #expect(lines.joined().replacingSpaces == words)
    }
}

extension String {
    var replacingSpaces: String { String(filter { $0 != " " }) }
}
