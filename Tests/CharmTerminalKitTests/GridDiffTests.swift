import CharmTerminalKit
import CharmTestSupport
import Testing

@Suite("Grid diff")
struct GridDiffTests {
    let bold = CellStyle(attributes: .bold)

    /// Drawing the runs over the old grid must give the new one: the terminal's contract.
    private func apply(_ runs: [GridRun], to old: Grid) -> Grid {
        var result = old
        for run in runs {
            var column = run.x
            for cell in run.cells where !cell.isContinuation {
                column += result.put(cell.grapheme, x: column, y: run.y, style: cell.style)
            }
        }
        return result
    }

    @Test func identicalGridsHaveNoRuns() {
        var grid = Grid(width: 80, height: 24)
        grid.put("same", x: 3, y: 3)
        #expect(grid.diff(from: grid).isEmpty)
    }

    @Test func oneChangedWordIsOneRun() {
        var old = Grid(width: 80, height: 24)
        old.put("status: running", x: 0, y: 5)
        var new = old
        new.put("ok     ", x: 8, y: 5)
        let runs = new.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs.first?.y == 5)
        #expect(runs.first?.x == 8)
        #expect(runs.first?.text == "ok     ")
        #expect(apply(runs, to: old) == new)
    }

    @Test func runsSplitAtStyleChanges() {
        let old = Grid(width: 10, height: 1)
        var new = old
        new.put("ab", x: 0, y: 0)
        new.put("cd", x: 2, y: 0, style: bold)
        let runs = new.diff(from: old)
        #expect(runs.map(\.text) == ["ab", "cd"])
        #expect(runs.map(\.style) == [.plain, bold])
    }

    @Test func aRunNeverStartsOnAContinuation() {
        var old = Grid(width: 6, height: 1)
        old.put("日本", x: 0, y: 0)
        var new = old
        new.restyle(rect: Rect(x: 1, y: 0, width: 1, height: 1), style: bold)
        let runs = new.diff(from: old)
        #expect(runs.count == 1)
        #expect(runs.first?.x == 0)
        #expect(runs.first?.cells.count == 2)
    }

    @Test("a resize redraws everything", arguments: [(80, 24), (200, 60)])
    func sizeChangeIsAFullRedraw(width: Int, height: Int) {
        var new = Grid(width: width, height: height)
        new.put("日本語 and 🙂", x: 0, y: 0)
        let runs = new.diff(from: Grid(width: 10, height: 10))
        #expect(runs.reduce(0) { $0 + $1.cells.count } == width * height)
        #expect(Set(runs.map(\.y)).count == height)
    }

    @Test func randomEditsRoundTrip() {
        var generator = SeededRandom()
        let samples = ["a", "ツ", "🙂", "e\u{301}", "中文", "hello", " ", "\t", "x🇫🇷y"]
        let styles = [CellStyle.plain, bold, CellStyle(fg: .ansi(2)), CellStyle(bg: .rgb(1, 2, 3))]
        var old = Grid(width: 40, height: 6)
        for _ in 0..<200 {
            var new = old
            for _ in 0..<5 {
                let text = samples[Int(generator.next() % UInt64(samples.count))]
                let style = styles[Int(generator.next() % UInt64(styles.count))]
                new.put(text, x: Int(generator.next() % 42) - 1, y: Int(generator.next() % 6), style: style)
            }
            let runs = new.diff(from: old)
            #expect(apply(runs, to: old) == new, "\(generator.seedNote)")
            for run in runs {
                #expect(!run.cells.isEmpty && !run.cells[0].isContinuation)
            }
            old = new
        }
    }
}
