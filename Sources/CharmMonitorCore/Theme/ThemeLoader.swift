import Foundation

/// Finds theme files by name or path. Errors are returned to the caller, who shows them
/// and falls back to `Theme.builtinDefault`: a broken theme must never stop the monitor.
public struct ThemeLoader: Sendable {
    /// Folders searched, in order, for `<name>.yaml` / `<name>.yml`.
    public var searchDirectories: [String]

    /// Creates a loader over explicit folders (tests, or a `--theme-dir` option).
    public init(searchDirectories: [String]) {
        self.searchDirectories = searchDirectories
    }

    /// A loader over the standard folders, see `standardDirectories`.
    public init() {
        self.init(searchDirectories: ThemeLoader.standardDirectories())
    }

    /// The folders a user expects themes in, most specific first: every folder in
    /// `CHARM_MONITOR_THEMES` (colon-separated), the user's
    /// `$XDG_CONFIG_HOME/charm-monitor/themes` (default `~/.config/…`), `themes/` in the
    /// working directory, and `themes/` beside the executable or in a parent of it — which
    /// finds the repository's folder from `.build/debug/charm-monitor` — or in
    /// `../share/charm-monitor/themes` for an installed binary.
    public static func standardDirectories(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = CommandLine.arguments.first,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        var directories: [String] = []
        if let list = environment["CHARM_MONITOR_THEMES"] {
            directories += list.split(separator: ":").map(String.init)
        }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            directories.append(config + "/charm-monitor/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.config/charm-monitor/themes")
        }
        directories.append(currentDirectory + "/themes")
        if let executablePath, executablePath.contains("/") {
            var folder = URL(fileURLWithPath: executablePath).deletingLastPathComponent().standardizedFileURL
            directories.append(folder.appendingPathComponent("../share/charm-monitor/themes").standardizedFileURL.path)
            for _ in 0..<6 {
                directories.append(folder.appendingPathComponent("themes").path)
                folder = folder.deletingLastPathComponent()
            }
        }
        var seen = Set<String>()
        return directories.filter { seen.insert($0).inserted }
    }

    /// Loads a theme given by path (anything with a `/` or a .yaml/.yml ending) or by
    /// name from the search folders.
    public func load(_ nameOrPath: String) throws(ThemeError) -> Theme {
        let path = try locate(nameOrPath)
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try Theme.parse(yaml: text, file: path)
    }

    /// The theme `nameOrPath`, or the built-in default with the reason it was not used.
    /// `nil` asks for the default theme: `default.yaml` when one is found, else built-in.
    public func loadOrDefault(_ nameOrPath: String?) -> (theme: Theme, error: ThemeError?) {
        do {
            return (try load(nameOrPath ?? "default"), nil)
        } catch {
            return (Theme.builtinDefault, nameOrPath == nil && error.message.hasPrefix("no theme") ? nil : error)
        }
    }

    /// Names of the themes found in the search folders, sorted and without duplicates.
    public func availableThemes() -> [String] {
        var names = Set<String>()
        for directory in searchDirectories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for file in files where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                names.insert(String(file[..<file.lastIndex(of: ".")!]))
            }
        }
        return names.sorted()
    }

    private func locate(_ nameOrPath: String) throws(ThemeError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw ThemeError(file: nameOrPath, message: "no theme file here")
            }
            return nameOrPath
        }
        for directory in searchDirectories {
            for suffix in [".yaml", ".yml"] {
                let candidate = directory + "/" + nameOrPath + suffix
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        throw ThemeError(file: nameOrPath, message: "no theme named `\(nameOrPath)` in \(searchDirectories.joined(separator: ", "))")
    }
}
