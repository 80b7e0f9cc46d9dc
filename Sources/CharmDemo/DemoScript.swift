/// The material the simulated agent draws on: tools, inputs, outputs and answers, with
/// the text a monitor must get right (CJK, emoji, combining marks, newlines, long lines).
enum DemoScript {
    struct Tool {
        let name: String
        let inputs: [String]
        let outputs: [String]
        let failureRate: Double
        let errors: [(type: String, message: String)]
    }

    static let tools: [Tool] = [
        Tool(
            name: "web_search",
            inputs: [#"{"query": "latest Swift concurrency proposals", "top_k": 5}"#, #"{"query": "東京の天気 明日"}"#,
                     #"{"query": "café opening hours near Zürich"}"#],
            outputs: [#"[{"title": "SE-0430: sending parameter and result values", "url": "https://example.org/se-0430"}, {"title": "SE-0431: @isolated(any) function types"}]"#,
                      "明日の東京は晴れ時々曇り、最高気温18度 ☀️", "Café Zürich: 07:00–19:00 (Mo–Fr) 🥐"],
            failureRate: 0.15, errors: [("TimeoutError", "search backend did not answer within 10s")]),
        Tool(
            name: "calculator", inputs: ["2 * (3 + 4) ** 2", "sqrt(1764)", "1 / 0"],
            outputs: ["98", "42.0"], failureRate: 0.2, errors: [("ZeroDivisionError", "division by zero")]),
        Tool(
            name: "read_file", inputs: [#"{"path": "docs/plan.md"}"#, #"{"path": "data/résumé.txt"}"#],
            outputs: ["# Plan\n1. Gather sources\n2. Summarise\n3. Review with the team 👩‍💻", String(repeating: "lorem ipsum dolor sit amet ", count: 40)],
            failureRate: 0.1, errors: [("FileNotFoundError", "[Errno 2] No such file or directory: 'data/résumé.txt'")]),
        Tool(
            name: "sql_query", inputs: ["SELECT region, SUM(revenue) FROM sales GROUP BY region", "SELECT * FROM users WHERE id = 7"],
            outputs: [#"{"rows": [["EMEA", 1204.5], ["APAC", 987.25], ["AMER", 1530.0]]}"#, #"{"rows": [[7, "Zoë", "zoe@example.org"]]}"#],
            failureRate: 0.1, errors: [("OperationalError", "database is locked")]),
    ]

    static let questions = [
        "Summarise the latest Swift concurrency proposals",
        "明日の東京の天気は？",
        "Compare regional revenue and explain the gap",
        "Plan the team offsite in Zürich ☕",
    ]

    static let answers = [
        "Swift 6 makes data-race safety the default: `sending` parameters let values cross isolation boundaries, and `@isolated(any)` lets a function carry its isolation.\n\nIn short — fewer false positives, clearer errors. ✅",
        "明日の東京は晴れ時々曇りで、最高気温は18度の予報です。☀️ 傘は要らないでしょう。",
        "AMER leads with 1530.0, EMEA follows with 1204.5 and APAC trails at 987.25; the gap comes from fewer enterprise renewals in APAC. 📊",
        "Café Zürich opens at 07:00 — book the upstairs room for Thursday. Zoë will handle the résumé reviews. 🎉 e\u{301}te\u{301} plans included.",
    ]

    /// Splits an answer into model-like tokens: words with their leading space, CJK by
    /// character, emoji and combining sequences whole.
    static func tokens(of text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            let isWide = ch.unicodeScalars.first.map { $0.value >= 0x2E80 } ?? false
            if ch == " " || ch == "\n" || isWide {
                if !current.isEmpty { out.append(current) }
                current = String(ch)
                if isWide || ch == "\n" {
                    out.append(current)
                    current = ""
                }
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
