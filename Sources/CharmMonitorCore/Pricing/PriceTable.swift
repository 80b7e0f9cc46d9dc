import CharmTelemetry
import Foundation
import Yams

/// What a model costs, from `prices.yaml`: US dollars per million tokens.
package struct ModelPrice: Sendable, Hashable {
    /// Per million prompt tokens.
    package var input: Double
    /// Per million completion tokens.
    package var output: Double
    /// Per million prompt tokens read from the provider's cache, when the table says.
    package var cacheRead: Double?
    /// When the price was taken.
    package var date: String?
    /// Where it was taken from.
    package var source: String?

    /// A price with every field given.
    package init(input: Double, output: Double, cacheRead: Double? = nil, date: String? = nil, source: String? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.date = date
        self.source = source
    }
}

/// Why a price file could not be used; it names the file and the line.
package struct PriceTableError: Error, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var message: String
    package var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// The price table: the one shipped in the repository (`Pricing/prices.yaml`, carried in
/// the binary), with the user's own entries over it. Gives a cost only for a model it
/// knows, and only from the tokens the producer reported: never a guess.
package struct PriceTable: Sendable, Hashable {
    package private(set) var models: [String: ModelPrice] = [:]

    /// An empty table (every cost unknown).
    package init() {}

    /// A table of exactly `models` (a recorded session's prices, read back).
    package init(models: [String: ModelPrice]) { self.models = models }

    /// The shipped table.
    package static let builtin: PriceTable = {
        // The shipped file is checked by a test and by the build of this string; it parses.
        (try? PriceTable.parse(PriceTable.builtinYAML, file: "prices.yaml")) ?? PriceTable()
    }()

    /// Reads a table in `prices.yaml`'s format.
    package static func parse(_ yaml: String, file: String) throws(PriceTableError) -> PriceTable {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let e as YamlError {
            throw PriceTableError(file: file, line: nil, message: "invalid YAML: \(e)")
        } catch {
            throw PriceTableError(file: file, line: nil, message: "invalid YAML: \(error)")
        }
        var table = PriceTable()
        guard let root else { return table }
        guard let models = root.mapping?["models"] else {
            throw PriceTableError(file: file, line: root.mark?.line, message: "expected a mapping with `models`")
        }
        guard let map = models.mapping else {
            throw PriceTableError(file: file, line: models.mark?.line, message: "`models` must map model names to prices")
        }
        for (key, value) in map {
            guard let name = key.string, !name.isEmpty else {
                throw PriceTableError(file: file, line: key.mark?.line, message: "a model name must be text")
            }
            guard let entry = value.mapping else {
                throw PriceTableError(file: file, line: value.mark?.line, message: "\(name): expected {input, output, …}")
            }
            func number(_ k: String) throws(PriceTableError) -> Double? {
                guard let n = entry[k] else { return nil }
                guard let d = n.scalar.flatMap({ Double($0.string) }), d.isFinite, d >= 0 else {
                    throw PriceTableError(
                        file: file, line: n.mark?.line, message: "\(name).\(k) must be a price per million tokens (≥ 0)")
                }
                return d
            }
            guard let input = try number("input"), let output = try number("output") else {
                throw PriceTableError(file: file, line: value.mark?.line, message: "\(name) needs both input and output")
            }
            table.models[name] = ModelPrice(
                input: input, output: output, cacheRead: try number("cache_read"),
                date: entry["date"]?.scalar?.string, source: entry["source"]?.scalar?.string)
        }
        return table
    }

    /// Loads the user's file at `path` over this table.
    package func overridden(byFile path: String) throws(PriceTableError) -> PriceTable {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PriceTableError(file: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        var merged = self
        for (k, v) in try PriceTable.parse(text, file: path).models { merged.models[k] = v }
        return merged
    }

    /// `$XDG_CONFIG_HOME/charm-monitor/prices.yaml` (default `~/.config/…`), the user's own
    /// prices read when present.
    package static func userFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        return base.map { $0 + "/charm-monitor/prices.yaml" }
    }

    /// The price of `model`: exact, else without a provider prefix, else without a date
    /// suffix (`-2024-08-06`, `-20250514`, `@20240620`).
    package func price(of model: String) -> ModelPrice? {
        if let p = models[model] { return p }
        var name = model
        if let cut = name.lastIndex(where: { $0 == "/" || $0 == ":" }) {
            name = String(name[name.index(after: cut)...])
            if let p = models[name] { return p }
        }
        for base in PriceTable.withoutVersionSuffix(name) { if let p = models[base] { return p } }
        return nil
    }

    /// `name` without the version suffix it ends with, trying `-2024-08-06`, `-20250514`,
    /// `@20240620` and `-latest` in that order. Matched by hand: a regular expression here
    /// was compiled anew for every LLM call the model applied, a tenth of the OTLP receiver's
    /// CPU when the model is not in the table.
    static func withoutVersionSuffix(_ name: String) -> [String] {
        let u = Array(name.utf8), n = u.count
        func digits(_ r: Range<Int>) -> Bool { r.allSatisfy { u[$0] >= UInt8(ascii: "0") && u[$0] <= UInt8(ascii: "9") } }
        func cut(_ length: Int) -> String { String(decoding: u[..<(n - length)], as: UTF8.self) }
        var bases: [String] = []
        let dash = UInt8(ascii: "-")
        if n >= 11, u[n - 11] == dash, digits(n - 10..<n - 6), u[n - 6] == dash, digits(n - 5..<n - 3), u[n - 3] == dash,
            digits(n - 2..<n)
        {
            bases.append(cut(11))
        }
        if n >= 9, digits(n - 8..<n) {
            if u[n - 9] == dash { bases.append(cut(9)) }
            if u[n - 9] == UInt8(ascii: "@") { bases.append(cut(9)) }
        }
        if name.hasSuffix("-latest") { bases.append(cut(7)) }
        return bases
    }

    /// The cost of one call in US dollars; `nil` when the model is unknown, a token count
    /// is missing, or cached tokens were read from a model whose cache price is unknown.
    package func cost(of call: LLMCall) -> Double? {
        guard let model = call.model, let p = price(of: model), let input = call.inputTokens,
            let output = call.outputTokens
        else { return nil }
        let cached = call.cacheReadTokens ?? 0
        if cached > 0 && p.cacheRead == nil { return nil }
        let fresh = Double(max(0, input - cached))
        return (fresh * p.input + Double(cached) * (p.cacheRead ?? 0) + Double(output) * p.output) / 1_000_000
    }
}
