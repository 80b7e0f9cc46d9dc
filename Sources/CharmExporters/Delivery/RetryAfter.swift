import CharmTelemetry
import Foundation

/// Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
/// Package-wide so other transports (and tests) apply the same rule as the delivery engine.
package enum RetryAfter {
    /// The delay the header asks for, or `nil` when it is absent or unreadable.
    /// `now` is Unix seconds, given so tests can pin it.
    package static func delay(_ value: String?, now: Double = Timestamp.now().secondsSinceEpoch) -> Duration? {
        guard let raw = value?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let secs = Int(raw) { return .seconds(max(0, secs)) }
        guard let date = httpDate(raw) else { return nil }
        return .seconds(max(0, date - now))
    }

    /// English month abbreviations, as HTTP dates spell them.
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, as Unix seconds. The obsolete
    /// RFC 850 and asctime forms are not produced by any server we talk to.
    package static func httpDate(_ s: String) -> Double? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month + 1, day, hms[0], hms[1], hms[2])
        return Timestamp(rfc3339: text)?.secondsSinceEpoch
    }
}
