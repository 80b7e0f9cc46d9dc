#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds, for timing one call.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Percentiles of a sample of durations.
struct Percentiles {
    let p50: Double, p99: Double, p999: Double, max: Double, mean: Double

    init(_ samples: [UInt64]) {
        let s = samples.sorted()
        func at(_ q: Double) -> Double { Double(s[min(s.count - 1, Int(Double(s.count) * q))]) }
        p50 = at(0.5)
        p99 = at(0.99)
        p999 = at(0.999)
        max = Double(s.last ?? 0)
        mean = Double(s.reduce(0, +)) / Double(Swift.max(1, s.count))
    }
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`).
func peakRSSMiB() -> Double {
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, f) != nil {
        let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let s = String(decoding: bytes, as: UTF8.self)
        if s.hasPrefix("VmHWM:") {
            let kb = s.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
    }
    return 0
}

func format(_ v: Double, _ digits: Int = 0) -> String {
    let m = pow(10.0, Double(digits))
    let r = (v * m).rounded() / m
    return digits == 0 ? String(Int(r)) : String(r)
}
