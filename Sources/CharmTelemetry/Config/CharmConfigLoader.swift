import Foundation
import Yams

extension CharmConfig {
    /// Every environment variable an exporter of ours reads a secret from. The same name as a
    /// key in charm.yaml (any case) is a secret; `ExporterContext.secret` asserts that each
    /// variable it reads is listed here, so the list cannot fall behind the exporters.
    package static let secretVariables: Set<String> = [
        "DATADOG_API_KEY", "DD_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "SENTRY_DSN",
        "CHARM_TELEMETRY_WEBHOOK_URL", "CHARM_TELEMETRY_WEBHOOK_SECRET",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ]

    /// Last words that make a key a secret: `github_token`, `db_password`, `sentry_dsn`.
    static let secretLastWords: Set<String> = [
        "token", "secret", "password", "passwd", "dsn", "apikey", "credential", "credentials",
        "authorization", "auth", "key",
    ]

    /// A key whose last word is `key` is a secret only after one of these (`api_key`,
    /// `private_key`), or alone; `primary_key` or `sort_key` are not.
    static let secretKeyQualifiers: Set<String> = ["api", "private", "access", "secret", "signing", "encryption", "license"]

    /// The words of a key, lower-cased: split at every character that is not a letter or a
    /// digit and where a lower-case letter meets an upper-case one (`apiKey`, `x-api-key`).
    static func words(of key: String) -> [String] {
        var out: [String] = []
        var current = ""
        var previousWasLower = false
        for ch in key {
            if !(ch.isLetter || ch.isNumber) {
                if !current.isEmpty { out.append(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if ch.isUppercase && previousWasLower, !current.isEmpty {
                out.append(current)
                current = ""
            }
            current += ch.lowercased()
            previousWasLower = ch.isLowercase
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Whether a key in charm.yaml names a secret: an exporter's variable in any case, or a
    /// name ending in a secret word (`LANGSMITH_API_KEY`, `x-api-key`, `*_token`, `*_secret`,
    /// `password`, `dsn`, `private_key`).
    static func namesSecret(_ key: String) -> Bool {
        let upper = key.uppercased().replacingOccurrences(of: "-", with: "_")
        if secretVariables.contains(upper) { return true }
        let w = words(of: key)
        guard let last = w.last, secretLastWords.contains(last) else { return false }
        if last == "key" { return w.count == 1 || secretKeyQualifiers.contains(w[w.count - 2]) }
        return true
    }

    /// The environment variable to use instead of a secret found at `path` (key names).
    static func variable(for path: [String]) -> String {
        let key = path.last ?? ""
        let upperKey = key.uppercased().replacingOccurrences(of: "-", with: "_")
        // A key that reads as a variable's name (`DATADOG_API_KEY`, `github_token`) names
        // itself; a generic one (`api_key`) takes its owner's name first.
        let generic: Set<String> = ["api_key", "access_token", "auth_token", "client_secret", "secret_key", "private_key"]
        if secretVariables.contains(upperKey) || (key.contains("_") && !generic.contains(key.lowercased())) {
            return upperKey
        }
        let owner = path.dropLast().last(where: {
            !["runtime", "telemetry", "exporters", "config", "env", "environment"].contains($0) && Int($0) == nil
        })?.lowercased() ?? ""
        switch owner {
        case "datadog": return "DATADOG_API_KEY"
        case "langsmith": return "LANGSMITH_API_KEY"
        case "sentry": return "SENTRY_DSN"
        case "otlp", "opentelemetry": return "OTEL_EXPORTER_OTLP_HEADERS"
        case "webhook": return "CHARM_TELEMETRY_WEBHOOK_SECRET"
        default:
            let parts = (owner.isEmpty ? [key] : [owner, key]).map {
                $0.uppercased().replacingOccurrences(of: "-", with: "_")
            }
            return parts.joined(separator: "_")
        }
    }

    /// Reads charm.yaml at `path`.
    public static func load(path: String) throws(CharmConfigError) -> CharmConfig {
        try parse(try readText(path: path), path: path)
    }

    /// The text of the file at `path`, or an error saying why it cannot be read.
    package static func readText(path: String) throws(CharmConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CharmConfigError(path: path, line: nil, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// `text` composed as YAML (`nil` when empty), or an error with the line of the syntax
    /// error; `path` names it.
    package static func composeYAML(_ text: String, path: String) throws(CharmConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw CharmConfigError(path: path, line: e.line, message: "invalid YAML: \(e.summary)")
        } catch {
            throw CharmConfigError(path: path, line: nil, message: "invalid YAML: \(error)")
        }
    }

    /// Reads charm.yaml from text; `path` names it in errors.
    package static func parse(_ text: String, path: String = "<string>") throws(CharmConfigError) -> CharmConfig {
        let node = try composeYAML(text, path: path)
        guard let root = node else { return CharmConfig(path: path) }
        guard let map = root.mapping else {
            throw CharmConfigError(path: path, line: root.line, message: "the top level must be a mapping")
        }
        try checkSecrets(root, keyPath: [], path: path)
        var config = CharmConfig(document: root.json.objectValue ?? [:], path: path)
        config.version = try map["version"].map { n throws(CharmConfigError) in try n.scalarText("version", path) }
        config.id = try map["id"].map { n throws(CharmConfigError) in try n.scalarText("id", path) }
        config.name = map["persona"]?.mapping?["name"]?.scalar?.string
        if let v = config.version, !(v == "0.4" || v.hasPrefix("0.4.")) {
            throw CharmConfigError(
                path: path, line: map["version"]?.line,
                message: "version '\(v)' is not a 0.4.x contract version (Charm SDK 0.4/0.5 reads 0.4.x)")
        }
        if let runtime = map["runtime"] {
            guard let rm = runtime.mapping else {
                throw CharmConfigError(path: path, line: runtime.line, message: "runtime must be a mapping")
            }
            if let t = rm["telemetry"], !t.isNullScalar {
                guard let seq = t.sequence else {
                    throw CharmConfigError(
                        path: path, line: t.line, message: "runtime.telemetry must be a list of exporter names")
                }
                config.telemetry = try seq.map { n throws(CharmConfigError) in
                    guard let s = n.scalar?.string, !s.isEmpty else {
                        throw CharmConfigError(
                            path: path, line: n.line, message: "runtime.telemetry entries must be exporter names (strings)")
                    }
                    return s
                }
            }
            if let a = rm["adapter"] {
                guard let am = a.mapping, let type = am["type"]?.scalar?.string else {
                    throw CharmConfigError(
                        path: path, line: a.line, message: "runtime.adapter must be a mapping with a string 'type'")
                }
                config.adapter = Adapter(type: type, entryPoint: am["entry_point"]?.scalar?.string)
            }
        }
        return config
    }

    /// Refuses a secret anywhere in the file: a non-empty scalar under a key that names one,
    /// unless it is a `${VAR}` reference. Booleans pass (`require_token: true` holds no
    /// secret). The value never appears in the message.
    private static func checkSecrets(_ node: Node, keyPath: [String], path: String) throws(CharmConfigError) {
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                let key = k.scalar?.string ?? ""
                let here = keyPath + [key]
                // environment_variables lists variable NAMES, which is exactly what is wanted.
                if key == "environment_variables" { continue }
                if namesSecret(key), let s = v.scalar, !s.string.isEmpty, !v.isNullScalar,
                    !(s.style == .plain && Bool.construct(from: s) != nil), !isReference(s.string)
                {
                    let variable = variable(for: here)
                    throw CharmConfigError(
                        path: path, line: v.line,
                        message: "'\(here.joined(separator: "."))' holds a secret; secrets are read from the environment only: remove the value and set \(variable) in the environment (or write ${\(variable)})")
                }
                try checkSecrets(v, keyPath: here, path: path)
            }
        case .sequence(let s):
            for (i, v) in s.enumerated() { try checkSecrets(v, keyPath: keyPath + ["\(i)"], path: path) }
        default:
            break
        }
    }

    /// `${VAR}`: a reference to an environment variable, not a value.
    static func isReference(_ s: String) -> Bool {
        guard s.hasPrefix("${"), s.hasSuffix("}"), s.count > 3 else { return false }
        return s.dropFirst(2).dropLast().allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }
}

extension Node {
    var line: Int { mark.map { $0.line } ?? 0 }

    var isNullScalar: Bool { scalar.map { $0.string == "" || $0.string == "~" || $0.string == "null" } ?? false }

    func scalarText(_ what: String, _ path: String) throws(CharmConfigError) -> String {
        guard let s = scalar?.string else {
            throw CharmConfigError(path: path, line: line, message: "\(what) must be a single value")
        }
        return s
    }

    /// The node as JSON, scalars resolved the YAML 1.1 way Yams resolves them.
    var json: JSONValue {
        switch self {
        case .scalar(let s):
            if s.style == .plain {
                if let b = Bool.construct(from: s) { return .bool(b) }
                if let i = Int.construct(from: s) { return .int(Int64(i)) }
                if let d = Double.construct(from: s) { return .double(d) }
                if NSNull.construct(from: s) != nil { return .null }
            }
            return .string(s.string)
        case .mapping(let m):
            return .object(JSONObject(m.map { ($0.key.scalar?.string ?? "\($0.key)", $0.value.json) }))
        case .sequence(let seq):
            return .array(seq.map(\.json))
        case .alias:
            return .null
        }
    }
}

extension YamlError {
    /// The 1-based line of a syntax error (Yams has a position for every one), if any.
    package var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    /// What is wrong, without Yams' position and context dump.
    package var summary: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(self)"
        }
    }
}
