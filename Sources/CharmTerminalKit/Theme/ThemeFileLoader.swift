import Foundation

/// Finds an application's theme files by name or path. Errors are returned to the caller,
/// who shows them and falls back to `base`: a broken theme must never stop an application.
package struct ThemeFileLoader<Role: StyleRole>: Sendable {
    /// Folders searched, in order, for `<name>.yaml` / `<name>.yml`.
    package var searchDirectories: [String]
    /// The theme every file is parsed over (roles a file leaves out come from it), and the
    /// one used when nothing loads.
    package var base: TerminalTheme<Role>

    /// A loader over explicit folders.
    package init(searchDirectories: [String], base: TerminalTheme<Role>) {
        self.searchDirectories = searchDirectories
        self.base = base
    }

    /// The folders a user of application `app` expects themes in, most specific first:
    /// every folder in the environment variable `variable` (colon-separated), the user's
    /// `$XDG_CONFIG_HOME/<app>/themes` (default `~/.config/…`), `themes/` in the working
    /// directory, and `themes/` beside the executable or in a parent of it — which finds a
    /// repository's folder from `.build/debug/<app>` — or in `../share/<app>/themes` for an
    /// installed binary.
    package static func standardDirectories(
        app: String, variable: String, environment: [String: String], executablePath: String?, currentDirectory: String
    ) -> [String] {
        var directories: [String] = []
        if let list = environment[variable] {
            directories += list.split(separator: ":").map(String.init)
        }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            directories.append(config + "/\(app)/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.config/\(app)/themes")
        }
        directories.append(currentDirectory + "/themes")
        if let executablePath, executablePath.contains("/") {
            var folder = URL(fileURLWithPath: executablePath).deletingLastPathComponent().standardizedFileURL
            directories.append(folder.appendingPathComponent("../share/\(app)/themes").standardizedFileURL.path)
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
    package func load(_ nameOrPath: String) throws(ThemeError) -> TerminalTheme<Role> {
        let path = try locate(nameOrPath)
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try TerminalTheme.parse(yaml: text, file: path, base: base)
    }

    /// The theme `nameOrPath`, or `base` with the reason it was not used. `nil` asks for
    /// the default theme: `default.yaml` when one is found, else `base` (not an error).
    package func loadOrDefault(_ nameOrPath: String?) -> (theme: TerminalTheme<Role>, error: ThemeError?) {
        do {
            return (try load(nameOrPath ?? "default"), nil)
        } catch {
            return (base, nameOrPath == nil && error.message.hasPrefix("no theme") ? nil : error)
        }
    }

    /// Names of the themes found in the search folders, sorted and without duplicates.
    package func availableThemes() -> [String] {
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
