/// What a piece of the screen means. Views ask the theme for a role, never for a colour,
/// so a theme file can restyle the whole monitor.
package enum ThemeRole: String, StyleRole {
    /// Ordinary text.
    case text
    /// Secondary text: hints, empty-state messages.
    case dim
    /// Thinking or streamed-token text, set apart from final output.
    case thinking
    /// Pane borders.
    case border
    /// The border of the pane that has the keyboard.
    case borderFocused = "border-focused"
    /// Pane titles.
    case title
    /// The header bar and table headings.
    case header
    /// The footer bar.
    case footer
    /// Key names inside the footer ("q", "/").
    case footerKey = "footer-key"
    /// The selected row.
    case selection
    /// Text matching the current filter.
    case highlight
    /// A run or tool still in progress.
    case statusRunning = "status-running"
    /// A run or tool that succeeded.
    case statusOk = "status-ok"
    /// A run or tool that failed.
    case statusError = "status-error"
    /// A run or tool waiting to start.
    case statusPending = "status-pending"
    /// Tool names in lists and timelines.
    case toolName = "tool-name"
    /// Timestamps and durations.
    case timestamp
    /// Emphasis that is not a status: counters, the active tab.
    case accent
    /// Error messages.
    case error
    /// Warnings such as dropped events.
    case warning
    /// Informational notices.
    case info
    /// Sparkline bars (token rate, events per second).
    case sparkline
    /// JSON object keys.
    case jsonKey = "json-key"
    /// JSON strings.
    case jsonString = "json-string"
    /// JSON numbers.
    case jsonNumber = "json-number"
    /// JSON true, false and null.
    case jsonLiteral = "json-literal"
    /// JSON braces, brackets, commas and colons.
    case jsonPunctuation = "json-punctuation"
    /// A value Charm's runner replaced with `[NAME_REDACTED]`: marked so nobody takes it
    /// for the value itself.
    case redacted
    /// The first step where two compared runs part ways.
    case divergence
    /// A line only the right side of a diff has (`+`).
    case diffAdded = "diff-added"
    /// A line only the left side of a diff has (`-`).
    case diffRemoved = "diff-removed"
    /// A detector's finding (loop, stall, error storm, budget): its mark on a run and its
    /// kind in the errors pane.
    case finding

    /// What the role keeps when the terminal has no colour: enough attributes that the
    /// selection, a match and a failure still stand out on a monochrome screen.
    package var monochromeAttributes: CellAttributes {
        switch self {
        case .selection, .footer: [.reverse]
        case .footerKey: [.reverse, .bold]
        case .highlight, .divergence: [.bold, .underline]
        case .diffAdded: [.bold]
        case .diffRemoved: [.dim]
        case .redacted: [.reverse, .dim]
        case .borderFocused, .title, .header, .statusError, .error, .toolName, .accent: [.bold]
        case .finding: [.bold, .underline]
        case .warning, .statusRunning: [.bold]
        case .dim, .thinking, .timestamp, .statusPending, .border, .jsonPunctuation: [.dim]
        case .text, .statusOk, .info, .sparkline, .jsonKey, .jsonString, .jsonNumber, .jsonLiteral: []
        }
    }
}
