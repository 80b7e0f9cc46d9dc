extension TerminalTheme where Role == ThemeRole {
    /// The compiled-in theme, used when no theme file loads. Dark-background friendly, but
    /// it leaves the background to the terminal so light terminals stay legible. Kept in
    /// step with themes/default.yaml (a test compares them).
    package static var builtinDefault: Theme { builtinDefaultTheme }
}

/// Made once: a generic type's extension cannot hold a stored static.
private let builtinDefaultTheme = Theme(name: "default", styles: [
        .text: CellStyle(),
        .dim: CellStyle(fg: .ansi(8)),
        .thinking: CellStyle(fg: .ansi(8), attributes: .italic),
        .border: CellStyle(fg: .ansi(8)),
        .borderFocused: CellStyle(fg: .ansi(6), attributes: .bold),
        .title: CellStyle(fg: .ansi(6), attributes: .bold),
        .header: CellStyle(fg: .ansi(15), attributes: .bold),
        .footer: CellStyle(fg: .ansi(7), bg: .ansi(236)),
        .footerKey: CellStyle(fg: .ansi(11), bg: .ansi(236), attributes: .bold),
        .selection: CellStyle(fg: .ansi(0), bg: .ansi(6)),
        .highlight: CellStyle(fg: .ansi(0), bg: .ansi(11)),
        .statusRunning: CellStyle(fg: .ansi(3)),
        .statusOk: CellStyle(fg: .ansi(2)),
        .statusError: CellStyle(fg: .ansi(1), attributes: .bold),
        .statusPending: CellStyle(fg: .ansi(8)),
        .toolName: CellStyle(fg: .ansi(5), attributes: .bold),
        .timestamp: CellStyle(fg: .ansi(8)),
        .accent: CellStyle(fg: .ansi(14)),
        .error: CellStyle(fg: .ansi(9), attributes: .bold),
        .warning: CellStyle(fg: .ansi(11)),
        .info: CellStyle(fg: .ansi(12)),
        .sparkline: CellStyle(fg: .ansi(2)),
        .jsonKey: CellStyle(fg: .ansi(12)),
        .jsonString: CellStyle(fg: .ansi(2)),
        .jsonNumber: CellStyle(fg: .ansi(6)),
        .jsonLiteral: CellStyle(fg: .ansi(5)),
        .jsonPunctuation: CellStyle(fg: .ansi(8)),
        .redacted: CellStyle(fg: .ansi(0), bg: .ansi(8), attributes: .italic),
        .divergence: CellStyle(fg: .ansi(15), bg: .ansi(88), attributes: .bold),
        .diffAdded: CellStyle(fg: .ansi(2)),
        .diffRemoved: CellStyle(fg: .ansi(1)),
        .finding: CellStyle(fg: .ansi(13), attributes: .bold),
    ])
