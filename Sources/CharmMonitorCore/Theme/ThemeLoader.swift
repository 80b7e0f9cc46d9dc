import Foundation

/// Finds the monitor's theme files by name or path (the toolkit's `ThemeFileLoader` over
/// `ThemeRole`, with the monitor's folders). Errors are returned to the caller, who shows
/// them and falls back to `Theme.builtinDefault`: a broken theme must never stop the monitor.
package struct ThemeLoader: Sendable {
    private var files: ThemeFileLoader<ThemeRole>

    /// Folders searched, in order, for `<name>.yaml` / `<name>.yml`.
    package var searchDirectories: [String] { files.searchDirectories }

    /// Creates a loader over explicit folders (tests, or a `--theme-dir` option).
    package init(searchDirectories: [String]) {
        files = ThemeFileLoader(searchDirectories: searchDirectories, base: .builtinDefault)
    }

    /// A loader over the standard folders, see `standardDirectories`.
    package init() {
        self.init(searchDirectories: ThemeLoader.standardDirectories())
    }

    /// The folders a user expects themes in, most specific first: every folder in
    /// `CHARM_MONITOR_THEMES` (colon-separated), the user's
    /// `$XDG_CONFIG_HOME/charm-monitor/themes` (default `~/.config/…`), `themes/` in the
    /// working directory, and `themes/` beside the executable or in a parent of it — which
    /// finds the repository's folder from `.build/debug/charm-monitor` — or in
    /// `../share/charm-monitor/themes` for an installed binary.
    package static func standardDirectories(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = CommandLine.arguments.first,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        ThemeFileLoader<ThemeRole>.standardDirectories(
            app: "charm-monitor", variable: "CHARM_MONITOR_THEMES", environment: environment,
            executablePath: executablePath, currentDirectory: currentDirectory)
    }

    /// Loads a theme given by path (anything with a `/` or a .yaml/.yml ending) or by
    /// name from the search folders.
    package func load(_ nameOrPath: String) throws(ThemeError) -> Theme { try files.load(nameOrPath) }

    /// The theme `nameOrPath`, or the built-in default with the reason it was not used.
    /// `nil` asks for the default theme: `default.yaml` when one is found, else built-in.
    package func loadOrDefault(_ nameOrPath: String?) -> (theme: Theme, error: ThemeError?) { files.loadOrDefault(nameOrPath) }

    /// Names of the themes found in the search folders, sorted and without duplicates.
    package func availableThemes() -> [String] { files.availableThemes() }
}
