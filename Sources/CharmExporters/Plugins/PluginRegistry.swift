import CharmTelemetry
import CharmWire
import Foundation

/// The community registry of Charm exporters (charm-community-plugin format, version 1.0):
/// reading it, checking it, and telling which of its entries are installed here.
///
/// `{"version": "1.0", "exporters": [{"id", "pypi_package", "description", "author",
/// "tags"?, "github_url"?, …}]}`, where `id` is the name charm.yaml enables. The registry's
/// build copies each `telemetry/manifests/ID.json` unchanged, and its schema
/// (`schemas/telemetry.schema.json`, draft-07) requires four string members, constrains
/// `id`, `tags` and `github_url`, and forbids nothing else: so members it does not name
/// (`name`, `version`, `license`, `docs_url`…) are kept, never refused. Everything works
/// offline: from a local file or a cached copy.
package enum PluginRegistry {
    /// The format version this code reads.
    package static let formatVersion = "1.0"
    /// What an `id` must match: the name used in charm.yaml.
    package static let idPattern = "^[a-z0-9-_]+$"

    /// One exporter of the registry.
    package struct Entry: Sendable, Hashable {
        /// The name charm.yaml enables it by.
        package var id: String
        /// The PyPI distribution that installs it.
        package var pypiPackage: String
        /// One sentence about it.
        package var description: String
        /// Who maintains it.
        package var author: String
        /// Search words.
        package var tags: [String]
        /// Its source, if given.
        package var githubURL: String?
        /// Members the schema does not name, kept as they were (`name`, `version`, `license`,
        /// `docs_url`, or anything a later registry adds).
        package var extra: JSONObject = [:]
        /// `version`, when the entry gives one as a string.
        package var version: String? { extra["version"]?.stringValue }
        /// `license`, when given as a string.
        package var license: String? { extra["license"]?.stringValue }
        /// `docs_url`, when given as a string.
        package var docsURL: String? { extra["docs_url"]?.stringValue }
        /// `name`, the display name, when given as a string.
        package var displayName: String? { extra["name"]?.stringValue }
        /// The command that installs it.
        package var installCommand: String { "pip install \(pypiPackage)" }
    }

    /// A whole registry file.
    package struct Document: Sendable, Hashable {
        /// The format version, "1.0".
        package var version: String
        /// Its exporters, in file order.
        package var exporters: [Entry]
    }

    /// One problem found, at a JSON path such as `$.exporters[2].id`.
    package struct ValidationIssue: Sendable, Hashable, CustomStringConvertible, Error {
        /// Where: `$` is the document.
        package var path: String
        /// What is wrong, in words.
        package var message: String
        /// `path: message`.
        package var description: String { "\(path): \(message)" }
    }

    /// Why a registry could not be loaded: the file's problems, or one reading error.
    package struct LoadError: Error, Sendable, CustomStringConvertible {
        /// Every problem found.
        package var issues: [ValidationIssue]
        /// One problem a line.
        package var description: String { issues.map(\.description).joined(separator: "\n") }
    }

    // MARK: - Validation

    /// The members the schema names; every other member is kept in `Entry.extra`.
    private static let entryKeys: Set<String> = ["id", "pypi_package", "description", "author", "tags", "github_url"]

    /// Checks a registry file; an empty result means it is valid.
    package static func validate(data: some Collection<UInt8>) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        _ = check(data: Array(data), &issues)
        return issues
    }

    /// Checks one manifest (`telemetry/manifests/ID.json`); `fileName`, when given, must be the
    /// id followed by `.json`.
    package static func validateManifest(data: some Collection<UInt8>, fileName: String? = nil) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let root: JSONValue
        do { root = try JSONParser.parse(Array(data)) } catch {
            return [ValidationIssue(path: "$", message: "not JSON: \(error)")]
        }
        guard let o = root.objectValue else { return [ValidationIssue(path: "$", message: "must be an object")] }
        let entry = checkEntry(o, at: "$", &issues)
        if let fileName, let entry {
            let base = (fileName as NSString).lastPathComponent
            // `_example.json` is the registry's template, which its build skips.
            if base != "\(entry.id).json" && !base.hasPrefix("_") {
                issues.append(ValidationIssue(
                    path: "$.id", message: "manifest file \(quoted(base)) must be named \(quoted(entry.id + ".json"))"))
            }
        }
        return issues
    }

    /// Checks a file as what it looks like: a registry when it has `exporters`, else a
    /// manifest named after its id. What `charm-monitor plugin validate FILE` prints.
    package static func validateFile(atPath path: String) -> [ValidationIssue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            return [ValidationIssue(path: "$", message: "cannot read \(path)")]
        }
        if (try? JSONParser.parse(Array(data)))?["exporters"] != nil { return validate(data: data) }
        return validateManifest(data: data, fileName: path)
    }

    /// Reads a registry file, throwing `LoadError` with every problem if it is not valid.
    package static func load(data: some Collection<UInt8>) throws(LoadError) -> Document {
        var issues: [ValidationIssue] = []
        let doc = check(data: Array(data), &issues)
        guard issues.isEmpty, let doc else { throw LoadError(issues: issues) }
        return doc
    }

    /// Reads a registry file from disk.
    package static func load(path: String) throws(LoadError) -> Document {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(issues: [ValidationIssue(path: "$", message: "cannot read \(path)")])
        }
        return try load(data: data)
    }

    /// Where a registry is looked for, in order: `CHARM_PLUGIN_REGISTRY`, then the cached copy
    /// `$XDG_CACHE_HOME/charm/registry.json` (or `~/.cache/charm/registry.json`).
    package static func defaultPaths(environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let p = environment["CHARM_PLUGIN_REGISTRY"], !p.isEmpty { paths.append(p) }
        if let c = environment["XDG_CACHE_HOME"], !c.isEmpty {
            paths.append(c + "/charm/registry.json")
        } else if let h = environment["HOME"], !h.isEmpty {
            paths.append(h + "/.cache/charm/registry.json")
        }
        return paths
    }

    /// The first registry of `defaultPaths` that exists; throws if it is invalid, nil if none exists.
    package static func loadDefault(environment: [String: String]) throws(LoadError) -> Document? {
        for p in defaultPaths(environment: environment) where FileManager.default.fileExists(atPath: p) {
            return try load(path: p)
        }
        return nil
    }

    private static func check(data: [UInt8], _ issues: inout [ValidationIssue]) -> Document? {
        let root: JSONValue
        do { root = try JSONParser.parse(data) } catch {
            issues.append(ValidationIssue(path: "$", message: "not JSON: \(error)"))
            return nil
        }
        guard let o = root.objectValue else {
            issues.append(ValidationIssue(path: "$", message: "must be an object"))
            return nil
        }
        var version = ""
        switch o["version"] {
        case nil: issues.append(ValidationIssue(path: "$.version", message: "is required"))
        case .string(let v)?:
            version = v
            if v != formatVersion {
                issues.append(ValidationIssue(path: "$.version", message: "\(quoted(v)) is not a supported version (\(quoted(formatVersion)))"))
            }
        default: issues.append(ValidationIssue(path: "$.version", message: "must be a string"))
        }
        guard let list = o["exporters"] else {
            issues.append(ValidationIssue(path: "$.exporters", message: "is required"))
            return nil
        }
        guard let items = list.arrayValue else {
            issues.append(ValidationIssue(path: "$.exporters", message: "must be an array"))
            return nil
        }
        var entries: [Entry] = []
        var firstAt: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let path = "$.exporters[\(i)]"
            guard let eo = item.objectValue else {
                issues.append(ValidationIssue(path: path, message: "must be an object"))
                continue
            }
            guard let e = checkEntry(eo, at: path, &issues) else { continue }
            if let first = firstAt[e.id] {
                issues.append(ValidationIssue(
                    path: "\(path).id", message: "duplicate id \(quoted(e.id)) (first at $.exporters[\(first)])"))
            } else {
                firstAt[e.id] = i
            }
            entries.append(e)
        }
        return Document(version: version, exporters: entries)
    }

    /// Checks one exporter object against the schema; returns it when its required members
    /// are usable.
    private static func checkEntry(_ o: JSONObject, at path: String, _ issues: inout [ValidationIssue]) -> Entry? {
        func required(_ key: String) -> String? {
            guard let v = o[key] else {
                issues.append(ValidationIssue(path: "\(path).\(key)", message: "is required"))
                return nil
            }
            guard let s = v.stringValue else {
                issues.append(ValidationIssue(path: "\(path).\(key)", message: "must be a string"))
                return nil
            }
            return s
        }
        let id = required("id")
        if let id, !PluginDiscovery.isValidName(id) {
            issues.append(ValidationIssue(path: "\(path).id", message: "\(quoted(id)) does not match \(idPattern)"))
        }
        let package = required("pypi_package")
        let description = required("description")
        let author = required("author")
        var tags: [String] = []
        if let t = o["tags"] {
            if let a = t.arrayValue {
                for (j, tag) in a.enumerated() {
                    if let s = tag.stringValue { tags.append(s) } else {
                        issues.append(ValidationIssue(path: "\(path).tags[\(j)]", message: "must be a string"))
                    }
                }
            } else {
                issues.append(ValidationIssue(path: "\(path).tags", message: "must be an array of strings"))
            }
        }
        var github: String?
        if let g = o["github_url"] {
            if let s = g.stringValue, isURI(s) { github = s } else {
                issues.append(ValidationIssue(path: "\(path).github_url", message: "must be a URI (format \"uri\": a scheme, then the rest)"))
            }
        }
        guard let id, let package, let description, let author, PluginDiscovery.isValidName(id) else { return nil }
        var extra = JSONObject()
        for (k, v) in o where !entryKeys.contains(k) { extra[k] = v }
        return Entry(
            id: id, pypiPackage: package, description: description, author: author, tags: tags, githubURL: github,
            extra: extra)
    }

    /// JSON Schema's `uri` format (RFC 3986 absolute URI): a scheme — a letter, then letters,
    /// digits, `+`, `-` or `.` — a colon, and no whitespace or control characters.
    package static func isURI(_ s: String) -> Bool {
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        let schemeOK = scheme.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0))
        }
        let restOK = s[s.index(after: colon)...].unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7F && !"<>\"{}|\\^`".unicodeScalars.contains($0)
        }
        return schemeOK && restOK && s.index(after: colon) < s.endIndex
    }

    private static func quoted(_ s: String) -> String { JSONWriter.compact(.string(s)) }

    // MARK: - Installed or not

    /// One registry entry as the monitor's exporters panel lists it.
    package struct Listing: Sendable, Hashable {
        /// The registry entry.
        package var entry: Entry
        /// Whether an exporter of that name can be enabled here.
        package var installed: Bool
        /// What provides it when installed: the descriptor's summary (built-in, exec plugin path
        /// or Python entry point).
        package var providedBy: String?
        /// `pip install <pypi_package>`.
        package var installCommand: String { entry.installCommand }
    }

    /// Each entry of `document`, installed when `registry` (built with
    /// `CharmExporters.makeRegistry`, so holding built-ins, exec plugins and Python entry
    /// points) has an exporter with that id.
    package static func listing(_ document: Document, installedIn registry: ExporterRegistry) -> [Listing] {
        document.exporters.map { e in
            let d = registry.descriptor(named: e.id)
            return Listing(entry: e, installed: d != nil, providedBy: d?.summary)
        }
    }
}
