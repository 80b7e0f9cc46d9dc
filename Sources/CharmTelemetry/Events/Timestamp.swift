#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant with microsecond resolution, written as RFC 3339 UTC.
///
/// Kept as an integer so events compare, subtract and serialise without Foundation's date
/// formatters, which are slow on Linux and would dominate the emitter's cost.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// The instant `microseconds` after the Unix epoch.
    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The current wall-clock time (CLOCK_REALTIME; see `WallClock` for how it is read cheaply).
    public static func now() -> Timestamp {
        Timestamp(microseconds: Int64(truncatingIfNeeded: WallClock.nanos() / 1_000))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// Seconds since the epoch, as a double.
    package var secondsSinceEpoch: Double { Double(microseconds) / 1_000_000 }

    /// Nanoseconds since the epoch (OTLP's unit).
    package var nanosecondsSinceEpoch: UInt64 { UInt64(max(0, microseconds)) &* 1_000 }

    /// Seconds from `other` to `self`.
    package func seconds(since other: Timestamp) -> Double {
        Double(microseconds - other.microseconds) / 1_000_000
    }

    /// RFC 3339 in UTC with six fractional digits, e.g. `2026-11-25T07:37:00.123456Z`.
    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with six fractional digits.
    public var rfc3339: String {
        var secs = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 { micros += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = Timestamp.civil(fromDays: days)
        var out = [UInt8]()
        out.reserveCapacity(27)
        func two(_ v: Int64) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        let year = Int64(y)
        out.append(UInt8(48 + (year / 1000) % 10)); out.append(UInt8(48 + (year / 100) % 10))
        two(year % 100)
        out.append(45); two(Int64(m)); out.append(45); two(Int64(d))
        out.append(84); two(rem / 3600); out.append(58); two(rem / 60 % 60); out.append(58); two(rem % 60)
        out.append(46)
        var div: Int64 = 100_000
        while div > 0 { out.append(UInt8(48 + (micros / div) % 10)); div /= 10 }
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads RFC 3339 (`Z` or a numeric offset, any number of fractional digits).
    package init?(rfc3339 text: String) {
        var text = text
        guard let us = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self.microseconds = us
    }

    package static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for k in from..<(from + len) {
                guard k < b.count, b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int64(b[k] - 48)
            }
            return v
        }
        guard let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
            b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58,
            let mi = num(14, 2), b[16] == 58, let s = num(17, 2),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var k = 19
        var micros: Int64 = 0
        if k < b.count && b[k] == 46 {
            k += 1
            var scale: Int64 = 100_000
            let start = k
            while k < b.count, b[k] >= 48, b[k] <= 57 {
                micros += Int64(b[k] - 48) * scale
                scale /= 10
                k += 1
            }
            if k == start { return nil }
        }
        var offset: Int64 = 0
        guard k < b.count else { return nil }
        if b[k] == 90 || b[k] == 122 {
            k += 1
        } else if b[k] == 43 || b[k] == 45, let oh = num(k + 1, 2), k + 3 < b.count, b[k + 3] == 58,
            let om = num(k + 4, 2)
        {
            offset = (oh * 3600 + om * 60) * (b[k] == 43 ? 1 : -1)
            k += 6
        } else {
            return nil
        }
        guard k == b.count else { return nil }
        let days = Timestamp.days(fromCivil: Int(y), Int(mo), Int(d))
        let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset
        return secs * 1_000_000 + micros
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
