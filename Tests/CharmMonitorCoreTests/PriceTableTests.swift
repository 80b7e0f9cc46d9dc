import CharmTelemetry
import Foundation
import Testing

@testable import CharmMonitorCore

@Suite("Prices: the shipped table, the user's over it, and costs that are never guessed")
struct PriceTableTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CharmMonitorCore/Pricing/prices.yaml").standardized

    @Test("the binary carries prices.yaml exactly (scripts/generate-prices.sh), and it parses")
    func builtinIsTheFile() throws {
        let text = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(PriceTable.builtinYAML == text, "run scripts/generate-prices.sh")
        let table = try PriceTable.parse(text, file: "prices.yaml")
        #expect(table.models.count >= 20)
        #expect(PriceTable.builtin == table)
        for (name, p) in table.models {
            #expect(p.date != nil && p.source != nil, "\(name) needs its date and source")
        }
    }

    @Test("a model matches exactly, after a provider prefix, or with a date suffix; gpt-4o-mini is not gpt-4o")
    func lookup() {
        let t = PriceTable.builtin
        #expect(t.price(of: "gpt-4o")?.input == 2.50)
        #expect(t.price(of: "openai/gpt-4o")?.input == 2.50)
        #expect(t.price(of: "openai:gpt-4o-2024-08-06")?.output == 10.00)
        #expect(t.price(of: "claude-sonnet-4-5-20250929")?.input == 3.00)
        #expect(t.price(of: "gpt-4o-mini")?.input == 0.15)
        #expect(t.price(of: "gpt-4o-mini-2024-07-18")?.input == 0.15)
        #expect(t.price(of: "models/gemini-2.5-pro")?.output == 10.00)
        #expect(t.price(of: "test") == nil)
        #expect(t.price(of: "gpt-4o-turbo-preview") == nil)
        #expect(t.price(of: "claude-3-7-sonnet@20250219")?.input == 3.00)
        #expect(t.price(of: "claude-3-7-sonnet-latest")?.input == 3.00)
        #expect(t.price(of: "gpt-4o-2024-0806") == nil)
        #expect(t.price(of: "gpt-4o-2024x08-06") == nil)
        #expect(t.price(of: "gpt-4o-2025051") == nil)
        #expect(t.price(of: "gpt-4o@2025051a") == nil)
    }

    @Test("cost: tokens × price per million; unknown model, missing counts or unpriced cache reads give none")
    func cost() {
        let t = PriceTable.builtin
        let start = Timestamp(microseconds: 0)
        let c = t.cost(of: LLMCall(model: "gpt-4o", inputTokens: 1_000_000, outputTokens: 100_000, start: start))
        #expect(c == 2.50 + 1.00)
        // 400k of the prompt read from the cache at 1.25 per million.
        let cached = t.cost(
            of: LLMCall(model: "gpt-4o", inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 400_000, start: start))
        #expect(abs((cached ?? 0) - (0.6 * 2.50 + 0.4 * 1.25)) < 1e-12)
        #expect(t.cost(of: LLMCall(model: "test", inputTokens: 1, outputTokens: 1, start: start)) == nil)
        #expect(t.cost(of: LLMCall(model: "gpt-4o", inputTokens: 1, start: start)) == nil)
        #expect(t.cost(of: LLMCall(inputTokens: 1, outputTokens: 1, start: start)) == nil)
        #expect(
            t.cost(of: LLMCall(model: "gemini-2.5-pro", inputTokens: 10, outputTokens: 1, cacheReadTokens: 5, start: start))
                == nil)
    }

    @Test("the user's file overrides entries one by one; a broken one names its file and line")
    func override() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mine = dir.appendingPathComponent("prices.yaml").path
        try "models:\n  gpt-4o: {input: 1, output: 2}\n  my-local-model: {input: 0, output: 0}\n"
            .write(toFile: mine, atomically: true, encoding: .utf8)
        let t = try PriceTable.builtin.overridden(byFile: mine)
        #expect(t.price(of: "gpt-4o")?.input == 1)
        #expect(t.price(of: "my-local-model")?.output == 0)
        #expect(t.price(of: "gpt-4o-mini")?.input == 0.15)

        let bad = dir.appendingPathComponent("bad.yaml").path
        try "models:\n  gpt-4o: {input: cheap, output: 2}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: PriceTableError.self) { try PriceTable.builtin.overridden(byFile: bad) }
        do {
            _ = try PriceTable.builtin.overridden(byFile: bad)
        } catch {
            #expect(error.description.contains("bad.yaml:2"))
            #expect(error.description.contains("gpt-4o.input"))
        }
    }

    @Test("a run's cost is its own LLM calls' sum, and none as soon as one of them cannot be priced")
    func runCost() {
        var s = Script()
        var m = MonitorModel()
        let start = Timestamp(microseconds: 1_700_000_000_000_000)
        m.apply([
            s.event(.runStart(inputs: [:]), run: "a"),
            s.event(.llmCall(LLMCall(model: "gpt-4o-mini", inputTokens: 2_000_000, outputTokens: 1_000_000, start: start)), run: "a"),
            s.event(.llmCall(LLMCall(model: "gpt-4o", inputTokens: 1_000_000, outputTokens: 0, start: start)), run: "a"),
            s.event(.llmCall(LLMCall(model: "gpt-4o", inputTokens: 10, outputTokens: 10, start: start)), run: "b"),
            s.event(.llmCall(LLMCall(model: "no-such-model", inputTokens: 10, outputTokens: 10, start: start)), run: "b"),
            s.event(.runStart(inputs: [:]), run: "c"),
        ])
        #expect(m.runs["a"]?.cost == 0.30 + 0.60 + 2.50)
        #expect(m.runs["a"]?.inputTokens == 3_000_000)
        #expect(m.runs["b"]?.cost == nil)
        #expect(m.runs["c"]?.cost == nil)
    }
}
