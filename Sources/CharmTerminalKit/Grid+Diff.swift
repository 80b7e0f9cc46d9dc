extension Grid {
    /// The runs of cells that differ from `old`, row by row, left to right; drawing them
    /// over `old` gives `self`. A grid of another size differs everywhere, which is the
    /// full redraw a resize needs.
    ///
    /// A run never starts on a continuation cell and never ends between a wide
    /// character's halves, because the terminal can only draw whole characters.
    package func diff(from old: Grid) -> [GridRun] {
        let sameShape = old.width == width && old.height == height
        var runs: [GridRun] = []
        for row in 0..<height {
            let base = row * width
            var column = 0
            while column < width {
                guard !sameShape || cells[base + column] != old.cells[base + column] else {
                    column += 1
                    continue
                }
                var start = column
                if cells[base + start].isContinuation, start > 0 { start -= 1 }
                let style = cells[base + start].style
                // The first cell belongs to the run even when unchanged: it is the lead of
                // a changed continuation.
                var end = start + 1
                while end < width {
                    let cell = cells[base + end]
                    let changed = !sameShape || cell != old.cells[base + end]
                    if !cell.isContinuation, !changed || cell.style != style { break }
                    end += 1
                }
                runs.append(GridRun(y: row, x: start, style: style, cells: Array(cells[base + start..<base + end])))
                column = end
            }
        }
        return runs
    }
}
