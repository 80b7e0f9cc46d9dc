#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CharmTelemetry
import Foundation

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
func peakRSSMiB() -> Double { Double(ProcessProbe.peakRSSKiB("self") ?? 0) / 1024 }

func format(_ v: Double, _ digits: Int = 0) -> String {
    let m = pow(10.0, Double(digits))
    let r = (v * m).rounded() / m
    return digits == 0 ? String(Int(r)) : String(r)
}

/// The `--json` flag every subcommand shares, and the output it chooses.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object with the figures and the peer's instead of a table.")
    var json = false

    /// Output for benchmark `name` in the form the flag chose.
    func output(_ name: String) -> BenchOutput { BenchOutput(name, json: json) }
}

/// Where a benchmark's figures go: a readable table, or with `--json` one JSON object with
/// the figures and the peer's, so runs can be compared by a program.
struct BenchOutput {
    let json: Bool
    private var object: JSONObject

    /// Output for benchmark `name`; `json` chooses the form.
    init(_ name: String, json: Bool) {
        self.json = json
        object = ["bench": .string(name), "machine": .object(BenchOutput.machine())]
    }

    /// A line of the table (nothing in JSON form).
    func line(_ text: String) { if !json { print(text) } }

    /// Sets a top-level member.
    mutating func set(_ key: String, _ value: JSONValue) { object[key] = value }

    /// Adds a row to `section` ("ours" or "peer").
    mutating func add(_ section: String, _ row: JSONObject) {
        var rows = object[section]?.arrayValue ?? []
        rows.append(.object(row))
        object[section] = .array(rows)
    }

    /// Prints the JSON object (nothing in table form).
    func finish() { if json { print(JSONWriter.compact(.object(object))) } }

    /// The machine the figures come from: CPU model and count.
    static func machine() -> JSONObject {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return ["cpu": .string(model), "cores": .int(Int64(ProcessInfo.processInfo.activeProcessorCount))]
    }
}

extension Percentiles {
    /// The figures as JSON members, in nanoseconds.
    var json: JSONObject {
        ["p50_ns": .double(p50), "p99_ns": .double(p99), "p999_ns": .double(p999), "mean_ns": .double(mean)]
    }
}
