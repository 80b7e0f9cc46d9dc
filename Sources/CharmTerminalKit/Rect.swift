/// A rectangle of cells: where a pane goes. Sizes are never negative, so layout code can
/// subtract freely on a tiny terminal and still get empty, harmless rectangles.
package struct Rect: Hashable, Sendable {
    /// Left column.
    package var x: Int
    /// Top row.
    package var y: Int
    /// Width in cells, at least 0.
    package var width: Int
    /// Height in rows, at least 0.
    package var height: Int

    /// Creates a rectangle; a negative width or height becomes 0.
    package init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The column just right of the rectangle.
    package var maxX: Int { x + width }
    /// The row just below the rectangle.
    package var maxY: Int { y + height }
    /// True when the rectangle holds no cell.
    package var isEmpty: Bool { width == 0 || height == 0 }

    /// True when the cell at (`x`, `y`) lies inside.
    package func contains(x: Int, y: Int) -> Bool {
        x >= self.x && x < maxX && y >= self.y && y < maxY
    }

    /// The rectangle shrunk by `amount` cells on every side (a border's inside).
    package func inset(by amount: Int) -> Rect {
        inset(top: amount, left: amount, bottom: amount, right: amount)
    }

    /// The rectangle shrunk by the given amounts; never smaller than empty.
    package func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        Rect(x: x + left, y: y + top, width: width - left - right, height: height - top - bottom)
    }

    /// The cells both rectangles hold; empty when they do not overlap.
    package func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(maxX, other.maxX)
        let bottom = min(maxY, other.maxY)
        guard right > left, bottom > top else { return Rect(x: left, y: top, width: 0, height: 0) }
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// The direction in which `split` cuts.
    package enum Axis: Hashable, Sendable {
        /// Side by side, left to right: the width is shared out.
        case horizontal
        /// Stacked, top to bottom: the height is shared out.
        case vertical
    }

    /// How much of the length one part of a split asks for.
    package enum Extent: Hashable, Sendable {
        /// A fixed number of cells (cut short when the length runs out).
        case cells(Int)
        /// A share of what the fixed parts leave, 0...1.
        case fraction(Double)
        /// An equal share of whatever is left after fixed and fractional parts.
        case rest
    }

    /// The rectangle cut into consecutive parts along `axis`.
    ///
    /// Fixed parts are served first, in order, then fractions of what they left (rounded
    /// so neighbouring fractions never gap or overlap), then `.rest` parts share the
    /// remainder. The parts never add up to more than the rectangle.
    package func split(_ axis: Axis, _ extents: [Extent]) -> [Rect] {
        let sizes = Rect.share(length: axis == .horizontal ? width : height, extents)
        var offset = axis == .horizontal ? x : y
        return sizes.map { size in
            defer { offset += size }
            switch axis {
            case .horizontal: return Rect(x: offset, y: y, width: size, height: height)
            case .vertical: return Rect(x: x, y: offset, width: width, height: size)
            }
        }
    }

    /// The rectangle cut into parts of fixed sizes along `axis`.
    package func split(_ axis: Axis, sizes: [Int]) -> [Rect] {
        split(axis, sizes.map { .cells($0) })
    }

    /// The rectangle cut into fractions of its length along `axis`.
    package func split(_ axis: Axis, fractions: [Double]) -> [Rect] {
        split(axis, fractions.map { .fraction($0) })
    }

    /// The lengths of the parts, in the order of `extents`.
    static func share(length: Int, _ extents: [Extent]) -> [Int] {
        var sizes = [Int](repeating: 0, count: extents.count)
        var remaining = length
        for (index, extent) in extents.enumerated() {
            if case .cells(let cells) = extent {
                sizes[index] = min(max(0, cells), remaining)
                remaining -= sizes[index]
            }
        }
        let fractionSpace = Double(remaining)
        var cumulative = 0.0
        var boundary = 0
        for (index, extent) in extents.enumerated() {
            if case .fraction(let fraction) = extent {
                cumulative = min(1, cumulative + max(0, fraction))
                let next = min(remaining, Int((fractionSpace * cumulative).rounded()))
                sizes[index] = max(0, next - boundary)
                boundary = max(boundary, next)
            }
        }
        remaining -= boundary
        let restIndices = extents.indices.filter { extents[$0] == .rest }
        if !restIndices.isEmpty {
            let share = remaining / restIndices.count
            var extra = remaining % restIndices.count
            for index in restIndices {
                sizes[index] = share + (extra > 0 ? 1 : 0)
                extra -= 1
            }
        }
        return sizes
    }
}
