import CharmTelemetry
import Foundation

/// Short, fixed-width renderings of numbers, durations and times for table cells.
package enum UIFormat {
    /// `850ms`, `12.3s`, `4m05s`, `1h02m`.
    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds)
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    /// `999`, `1.2k`, `34k`, `1.2M`.
    package static func count<N: BinaryInteger>(_ value: N) -> String {
        let v = Double(value)
        if v < 1_000 { return "\(value)" }
        if v < 10_000 { return String(format: "%.1fk", v / 1_000) }
        if v < 1_000_000 { return "\(Int(v / 1_000))k" }
        if v < 10_000_000 { return String(format: "%.1fM", v / 1_000_000) }
        return "\(Int(v / 1_000_000))M"
    }

    /// US dollars: `$0.0012`, `$0.042`, `$1.27`, `$127`.
    package static func cost(_ dollars: Double) -> String {
        guard dollars.isFinite, dollars >= 0 else { return "–" }
        if dollars == 0 { return "$0" }
        if dollars < 0.01 { return String(format: "$%.4f", dollars) }
        if dollars < 1 { return String(format: "$%.3f", dollars) }
        if dollars < 100 { return String(format: "$%.2f", dollars) }
        return "$\(Int(dollars.rounded()))"
    }

    /// A rate such as events or tokens per second: `0`, `4.5`, `120`, `1.2k`.
    package static func rate(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        if value < 10 { return String(format: "%.1f", value) }
        return count(Int(value.rounded()))
    }

    /// `HH:MM:SS` in the local time zone.
    package static func clock(_ time: Timestamp) -> String {
        var seconds = time_t(time.microseconds / 1_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// The status glyph of a run or a tool call.
    package static func glyph(_ status: ActivityStatus) -> String {
        switch status {
        case .running: "●"
        case .ok: "✓"
        case .error: "✗"
        }
    }

    /// The theme role of a status.
    package static func role(_ status: ActivityStatus) -> ThemeRole {
        switch status {
        case .running: .statusRunning
        case .ok: .statusOk
        case .error: .statusError
        }
    }

    /// The eight block heights of a sparkline, lowest first.
    package static let sparkBlocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` samples as a sparkline scaled to their maximum.
    package static func sparkline(_ samples: [Double], width: Int) -> String {
        guard width > 0 else { return "" }
        let shown = samples.suffix(width)
        let top = shown.max() ?? 0
        var out = ""
        for s in shown {
            let level = top > 0 ? Int((s / top * 7).rounded()) : 0
            out.append(sparkBlocks[min(7, max(0, level))])
        }
        return out
    }

    /// One line of text for a table cell: newlines and tabs become spaces so a
    /// multi-line input still previews on one row.
    package static func oneLine(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(min(text.utf8.count, 512))
        var count = 0
        for c in text {
            out.append(c.isNewline || c == "\t" ? " " : c)
            count += 1
            if count >= 400 { break }  // a preview never needs more than a screen width
        }
        return out
    }

    /// The ranges of `[NAME_REDACTED]` markers in `text` (NAME: capitals, digits and `_`),
    /// as Charm's runner writes them in place of secrets.
    package static func redactions(in text: String) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var search = text.startIndex
        while let end = text.range(of: "_REDACTED]", range: search..<text.endIndex) {
            var start = end.lowerBound
            while start > search {
                let before = text.index(before: start)
                let c = text[before]
                guard c == "_" || ("A"..."Z").contains(c) || ("0"..."9").contains(c) else { break }
                start = before
            }
            if start > text.startIndex, text[text.index(before: start)] == "[", start < end.lowerBound {
                out.append(text.index(before: start)..<end.upperBound)
            }
            search = end.upperBound
        }
        return out
    }
}
