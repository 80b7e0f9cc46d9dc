/// The monitor's theme: the toolkit's `TerminalTheme` over the monitor's roles.
package typealias Theme = TerminalTheme<ThemeRole>

extension TerminalTheme where Role == ThemeRole {
    /// Parses a monitor theme file; roles the file leaves out come from `Theme.builtinDefault`.
    package static func parse(yaml: String, file: String) throws(ThemeError) -> Theme {
        try parse(yaml: yaml, file: file, base: .builtinDefault)
    }
}
