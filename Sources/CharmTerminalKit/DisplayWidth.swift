/// Display widths of text in terminal cells, computed in pure Swift so the view and its
/// tests agree with the terminal without linking curses.
///
/// The rules follow the C library's `wcwidth` on Linux (glibc): combining and format
/// characters take no cell, East Asian Wide and Fullwidth characters take two, controls
/// take none (and must never reach the terminal), everything else one. On top of that,
/// a grapheme cluster that the terminal renders as an emoji picture (emoji presentation,
/// a VS16 sequence, a flag) takes two cells, as modern terminals draw it.
package enum DisplayWidth {
    /// The width of one Unicode scalar on its own, as `wcwidth` gives it, except that
    /// controls count 0 instead of -1 (they are replaced before drawing).
    package static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        // Below the combining diacriticals nothing is zero-width or wide; SOFT HYPHEN (a
        // format character) is shown as a hyphen by glibc, hence the early return.
        if value < 0x300 { return 1 }
        // Prepended concatenation marks are format characters that glibc shows as a sign.
        if prependedConcatenationMarks.contains(value) { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        // Hangul medial vowels and final consonants join the preceding syllable.
        if (0x1160...0x11FF).contains(value) { return 0 }
        return isWide(value) ? 2 : 1
    }

    /// The width of one grapheme cluster: the width of its base scalar, or 2 when the
    /// cluster shows as an emoji picture.
    package static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let base = scalars.first else { return 0 }
        let baseWidth = of(base)
        if baseWidth == 0 {
            return 0
        }
        if base.properties.isEmojiPresentation {
            return 2
        }
        if scalars.count > 1, base.properties.isEmoji, scalars.contains(variationSelector16) {
            return 2
        }
        return baseWidth
    }

    /// The width of a whole string: the sum over its grapheme clusters.
    package static func of(_ string: String) -> Int {
        var total = 0
        for character in string {
            total += of(character)
        }
        return total
    }

    /// The Prepended_Concatenation_Mark scalars (Unicode 14): Arabic number signs and kin.
    static let prependedConcatenationMarks: Set<UInt32> = [
        0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0x110BD, 0x110CD,
    ]

    /// VARIATION SELECTOR-16 asks for emoji presentation of the scalar before it.
    static let variationSelector16: Unicode.Scalar = "\u{FE0F}"

    /// Binary search in the sorted, disjoint table of wide ranges.
    static func isWide(_ value: UInt32) -> Bool {
        var low = 0
        var high = wideRanges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let range = wideRanges[mid]
            if value < range.lowerBound {
                high = mid - 1
            } else if value > range.upperBound {
                low = mid + 1
            } else {
                return true
            }
        }
        return false
    }
}
