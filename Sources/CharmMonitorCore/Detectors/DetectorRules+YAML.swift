import CharmTelemetry
import Foundation
import Yams

/// Why a rules file (or charm.yaml's `monitor.rules`) could not be used: the file, the line
/// when known, and what to write instead — the error charm.yaml itself gives.
package typealias DetectorRulesError = CharmConfigError

extension DetectorRules {
    /// Reads a `--rules` file: a mapping of rule names to their thresholds.
    package static func load(path: String) throws(DetectorRulesError) -> DetectorRules {
        try parse(try CharmConfig.readText(path: path), path: path)
    }

    /// Reads charm.yaml's `monitor.rules`, if it has one (the defaults otherwise).
    package static func load(charmYAML path: String) throws(DetectorRulesError) -> DetectorRules {
        try parse(try CharmConfig.readText(path: path), path: path, under: ["monitor", "rules"])
    }

    /// Reads rules from YAML `text`, found at `keys` inside it (nothing there: the defaults).
    package static func parse(_ text: String, path: String = "<string>", under keys: [String] = [])
        throws(DetectorRulesError) -> DetectorRules
    {
        var node = try CharmConfig.composeYAML(text, path: path)
        for key in keys {
            guard let n = node, !n.isNullScalar else { break }
            guard let m = n.mapping else {
                throw DetectorRulesError(path: path, line: n.line, message: "expected a mapping above '\(key)'")
            }
            node = m[key]
        }
        var rules = DetectorRules()
        guard let root = node, !root.isNullScalar else { return rules }
        let here = keys.isEmpty ? "the rules" : keys.joined(separator: ".")
        let top = try Fields(root, here, path)
        try top.only(["loop", "stall", "error_storm", "budget"])
        if let n = top["loop"] {
            let f = try Fields(n, "loop", path)
            try f.only(["enabled", "repeats", "cycle_repeats", "max_cycle"])
            rules.loop.enabled = try f.bool("enabled") ?? true
            rules.loop.repeats = try f.int("repeats", 0...1_000) ?? rules.loop.repeats
            rules.loop.cycleRepeats = try f.int("cycle_repeats", 0...1_000) ?? rules.loop.cycleRepeats
            rules.loop.maxCycle = try f.int("max_cycle", 2...8) ?? rules.loop.maxCycle
        }
        if let n = top["stall"] {
            let f = try Fields(n, "stall", path)
            try f.only(["enabled", "tool_seconds", "tool_p95_factor", "token_gap_seconds"])
            rules.stall.enabled = try f.bool("enabled") ?? true
            rules.stall.toolSeconds = try f.seconds("tool_seconds") ?? rules.stall.toolSeconds
            rules.stall.toolP95Factor = try f.number("tool_p95_factor", 0...1_000) ?? rules.stall.toolP95Factor
            rules.stall.tokenGapSeconds = try f.seconds("token_gap_seconds") ?? rules.stall.tokenGapSeconds
        }
        if let n = top["error_storm"] {
            let f = try Fields(n, "error_storm", path)
            try f.only(["enabled", "errors", "window_seconds"])
            rules.errorStorm.enabled = try f.bool("enabled") ?? true
            rules.errorStorm.errors = try f.int("errors", 1...1_000) ?? rules.errorStorm.errors
            rules.errorStorm.windowSeconds = try f.seconds("window_seconds") ?? rules.errorStorm.windowSeconds
        }
        if let n = top["budget"] {
            let f = try Fields(n, "budget", path)
            try f.only(["max_tokens", "max_cost_usd"])
            rules.budget.maxTokens = try f.int("max_tokens", 1...Int.max)
            rules.budget.maxCostUSD = try f.number("max_cost_usd", 0...1e12)
        }
        return rules
    }
}

/// A rules mapping's members, read with errors that name the member, its line and what is
/// wanted.
private struct Fields {
    let map: Node.Mapping
    let name: String
    let path: String

    init(_ node: Node, _ name: String, _ path: String) throws(DetectorRulesError) {
        guard let map = node.mapping else {
            throw DetectorRulesError(path: path, line: node.line, message: "\(name) must be a mapping")
        }
        self.map = map
        self.name = name
        self.path = path
    }

    subscript(key: String) -> Node? { map[key] }

    /// Refuses a member not in `keys`: a misspelt threshold must not pass as the default.
    func only(_ keys: Set<String>) throws(DetectorRulesError) {
        for (k, _) in map {
            let key = k.scalar?.string ?? ""
            if !keys.contains(key) {
                throw DetectorRulesError(
                    path: path, line: k.line,
                    message: "unknown key '\(key)' in \(name) (known: \(keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    private func scalar(_ key: String) -> (Node, Node.Scalar)? {
        guard let n = map[key], !n.isNullScalar, let s = n.scalar else { return nil }
        return (n, s)
    }

    private func fail(_ key: String, _ node: Node?, _ wanted: String) -> DetectorRulesError {
        DetectorRulesError(path: path, line: node?.line ?? 0, message: "\(name).\(key) must be \(wanted)")
    }

    func bool(_ key: String) throws(DetectorRulesError) -> Bool? {
        guard let n = map[key], !n.isNullScalar else { return nil }
        guard let s = n.scalar, let b = Bool.construct(from: s) else { throw fail(key, n, "true or false") }
        return b
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws(DetectorRulesError) -> Int? {
        guard let n = map[key], !n.isNullScalar else { return nil }
        let wanted = range.upperBound == Int.max ? "a whole number of at least \(range.lowerBound)"
            : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let (_, s) = scalar(key), let v = Int(s.string), range.contains(v) else { throw fail(key, n, wanted) }
        return v
    }

    func number(_ key: String, _ range: ClosedRange<Double>) throws(DetectorRulesError) -> Double? {
        guard let n = map[key], !n.isNullScalar else { return nil }
        let wanted = "a number from \(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound))"
        guard let (_, s) = scalar(key), let v = Double(s.string), v.isFinite, range.contains(v) else {
            throw fail(key, n, wanted)
        }
        return v
    }

    /// Seconds: more than 0, at most a day (a threshold beyond is a typo, not a wish).
    func seconds(_ key: String) throws(DetectorRulesError) -> Double? {
        guard let n = map[key], !n.isNullScalar else { return nil }
        guard let (_, s) = scalar(key), let v = Double(s.string), v.isFinite, v > 0, v <= 86_400 else {
            throw fail(key, n, "a number of seconds greater than 0 and at most 86400")
        }
        return v
    }

    private static func plain(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
}

extension Node {
    fileprivate var line: Int { mark.map { $0.line } ?? 0 }
    fileprivate var isNullScalar: Bool { scalar.map { $0.string == "" || $0.string == "~" || $0.string == "null" } ?? false }
}
