import Foundation
import Yams

extension CharmConfig {
    /// Keys that hold secrets. A value under one of these in charm.yaml is refused: secrets
    /// come from the environment only, so they are never committed with the agent.
    static let secretKeys: Set<String> = [
        "api_key", "apikey", "api-key", "key", "token", "secret", "password", "dsn", "auth", "authorization",
        "access_token", "client_secret", "private_key",
    ]

    /// The environment variable to use instead of a secret found at `path` (key names).
    static func variable(for path: [String]) -> String {
        let key = path.last?.lowercased() ?? ""
        let owner = path.dropLast().last(where: { !["runtime", "telemetry", "exporters", "config"].contains($0) })?
            .lowercased() ?? ""
        switch (owner, key) {
        case ("datadog", _): return "DATADOG_API_KEY"
        case ("langsmith", _): return "LANGSMITH_API_KEY"
        case ("sentry", _): return "SENTRY_DSN"
        case ("otlp", _), ("opentelemetry", _): return "OTEL_EXPORTER_OTLP_HEADERS"
        case ("webhook", _): return "CHARM_TELEMETRY_WEBHOOK_SECRET"
        default:
            let parts = (owner.isEmpty ? [key] : [owner, key]).map {
                $0.uppercased().replacingOccurrences(of: "-", with: "_")
            }
            return parts.joined(separator: "_")
        }
    }

    /// Reads charm.yaml at `path`.
    public static func load(path: String) throws(CharmConfigError) -> CharmConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CharmConfigError(path: path, line: nil, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Reads charm.yaml from text; `path` names it in errors.
    public static func parse(_ text: String, path: String = "<string>") throws(CharmConfigError) -> CharmConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw CharmConfigError(path: path, line: e.line, message: "invalid YAML: \(e.summary)")
        } catch {
            throw CharmConfigError(path: path, line: nil, message: "invalid YAML: \(error)")
        }
        guard let root = node else { return CharmConfig(path: path) }
        guard let map = root.mapping else {
            throw CharmConfigError(path: path, line: root.line, message: "the top level must be a mapping")
        }
        try checkSecrets(root, keyPath: [], path: path, inRuntime: false)
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

    private static func checkSecrets(_ node: Node, keyPath: [String], path: String, inRuntime: Bool) throws(CharmConfigError) {
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                let key = k.scalar?.string ?? ""
                let here = keyPath + [key]
                // environment_variables lists variable NAMES, which is exactly what is wanted.
                if key == "environment_variables" { continue }
                let scoped = inRuntime || ["runtime", "telemetry", "exporters"].contains(key)
                if scoped, secretKeys.contains(key.lowercased()), let s = v.scalar?.string, !s.isEmpty,
                    !(s.hasPrefix("${") && s.hasSuffix("}"))
                {
                    throw CharmConfigError(
                        path: path, line: v.line,
                        message: "'\(here.joined(separator: "."))' holds a secret; secrets are read from the environment only: remove it and set \(variable(for: here))")
                }
                try checkSecrets(v, keyPath: here, path: path, inRuntime: scoped)
            }
        case .sequence(let s):
            for (i, v) in s.enumerated() { try checkSecrets(v, keyPath: keyPath + ["\(i)"], path: path, inRuntime: inRuntime) }
        default:
            break
        }
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
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    var summary: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(self)"
        }
    }
}
