extension TerminalColor {
    /// This colour as the terminal with `capability` can show it: the nearest palette
    /// entry for a colour it lacks, `.default` when it has none.
    package func adapted(to capability: ColorCapability) -> TerminalColor {
        switch (self, capability) {
        case (.default, _), (_, .trueColor):
            return self
        case (_, .none):
            return .default
        case (.ansi(let index), .ansi256):
            return .ansi(index)
        case (.ansi(let index), .ansi16):
            return index < 16 ? self : .ansi(Palette.nearest16(Palette.rgb(of: index)))
        case (.rgb(let r, let g, let b), .ansi256):
            return .ansi(Palette.nearest256((r, g, b)))
        case (.rgb(let r, let g, let b), .ansi16):
            return .ansi(Palette.nearest16((r, g, b)))
        }
    }
}

extension CellStyle {
    /// This style with both colours adapted to `capability`; attributes are kept.
    package func adapted(to capability: ColorCapability) -> CellStyle {
        CellStyle(fg: fg.adapted(to: capability), bg: bg.adapted(to: capability), attributes: attributes)
    }
}

/// The xterm palette, for finding the nearest colour a poorer terminal has.
package enum Palette {
    /// An RGB triple.
    package typealias RGB = (r: UInt8, g: UInt8, b: UInt8)

    /// The channel levels of xterm's 6×6×6 colour cube (indices 16–231).
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// xterm's default RGB for the 16 ANSI colours; terminals differ, but this is the
    /// common reference for matching.
    static let ansi16: [RGB] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The RGB value of a 256-palette index.
    package static func rgb(of index: UInt8) -> RGB {
        let value = Int(index)
        switch value {
        case 0..<16:
            return ansi16[value]
        case 16..<232:
            let cube = value - 16
            return (UInt8(cubeLevels[cube / 36]), UInt8(cubeLevels[(cube / 6) % 6]), UInt8(cubeLevels[cube % 6]))
        default:
            let level = UInt8(8 + (value - 232) * 10)
            return (level, level, level)
        }
    }

    /// The palette index (16–255: the cube and the grey ramp, which terminals rarely
    /// re-theme) nearest to `color`.
    package static func nearest256(_ color: RGB) -> UInt8 {
        nearest(color, among: 16...255)
    }

    /// The ANSI colour (0–15) nearest to `color`.
    package static func nearest16(_ color: RGB) -> UInt8 {
        nearest(color, among: 0...15)
    }

    private static func nearest(_ color: RGB, among indices: ClosedRange<Int>) -> UInt8 {
        var best = indices.lowerBound
        var bestDistance = Int.max
        for index in indices {
            let candidate = rgb(of: UInt8(index))
            let distance = weightedDistance(color, candidate)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return UInt8(best)
    }

    /// Squared distance weighted by how strongly the eye sees each channel ("redmean"),
    /// cheap and much closer to perception than plain RGB distance.
    private static func weightedDistance(_ a: RGB, _ b: RGB) -> Int {
        let meanRed = (Int(a.r) + Int(b.r)) / 2
        let dr = Int(a.r) - Int(b.r)
        let dg = Int(a.g) - Int(b.g)
        let db = Int(a.b) - Int(b.b)
        // Swift's >> binds tighter than *, hence the explicit parentheses.
        return (((512 + meanRed) * dr * dr) >> 8) + 4 * dg * dg + (((767 - meanRed) * db * db) >> 8)
    }
}
