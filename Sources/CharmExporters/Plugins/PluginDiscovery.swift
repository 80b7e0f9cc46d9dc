import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds exec plugins: executables named `charm-telemetry-NAME`.
///
/// Folders are searched in this order, and the first executable of a name wins:
/// each entry of `CHARM_PLUGIN_PATH` (colon-separated), then `~/.config/charm/plugins`
/// (under `XDG_CONFIG_HOME` when set), then each entry of `PATH`. Explicit plugin folders
/// come before `PATH` so a user can shadow a system-wide plugin without editing `PATH`.
package enum PluginDiscovery {
    /// The prefix every exec plugin's file name starts with.
    package static let prefix = "charm-telemetry-"

    /// One executable found.
    package struct Plugin: Sendable, Hashable {
        /// The exporter name: the file name without the prefix, as charm.yaml names it.
        package var name: String
        /// The executable's absolute path.
        package var path: String
    }

    /// The folders searched, in order, without duplicates.
    package static func searchFolders(environment: [String: String]) -> [String] {
        var folders: [String] = []
        func add(_ list: String?) {
            for f in (list ?? "").split(separator: ":").map(String.init) where !f.isEmpty && !folders.contains(f) {
                folders.append(f)
            }
        }
        add(environment["CHARM_PLUGIN_PATH"])
        add(userPluginFolder(environment: environment))
        add(environment["PATH"])
        return folders
    }

    /// `$XDG_CONFIG_HOME/charm/plugins`, else `~/.config/charm/plugins`; nil without a home.
    package static func userPluginFolder(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/charm/plugins" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/charm/plugins"
    }

    /// Every plugin found, by name (first folder wins), sorted by name.
    package static func discover(environment: [String: String]) -> [Plugin] {
        var found: [String: Plugin] = [:]
        let fm = FileManager.default
        for folder in searchFolders(environment: environment) {
            guard let names = try? fm.contentsOfDirectory(atPath: folder) else { continue }
            for file in names.sorted() where file.hasPrefix(prefix) && file.count > prefix.count {
                let name = String(file.dropFirst(prefix.count))
                guard found[name] == nil, isValidName(name) else { continue }
                let path = folder.hasSuffix("/") ? folder + file : folder + "/" + file
                if isExecutableFile(path) { found[name] = Plugin(name: name, path: path) }
            }
        }
        return found.values.sorted { $0.name < $1.name }
    }

    /// The plugin for one name, or nil.
    package static func find(_ name: String, environment: [String: String]) -> Plugin? {
        guard isValidName(name) else { return nil }
        for folder in searchFolders(environment: environment) {
            let path = folder.hasSuffix("/") ? folder + prefix + name : folder + "/" + prefix + name
            if isExecutableFile(path) { return Plugin(name: name, path: path) }
        }
        return nil
    }

    /// Names as the community registry allows them (`^[a-z0-9-_]+$`), so a stray
    /// `charm-telemetry-foo.bak` or an editor's swap file is not taken for a plugin.
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
        }
    }

    /// A regular file (after following links) that we may execute.
    static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// The first executable named `command` on `PATH` (or `command` itself if it has a slash).
    package static func which(_ command: String, environment: [String: String]) -> String? {
        if command.contains("/") { return isExecutableFile(command) ? command : nil }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where !folder.isEmpty {
            let path = "\(folder)/\(command)"
            if isExecutableFile(path) { return path }
        }
        return nil
    }
}
