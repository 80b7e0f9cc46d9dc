/// An agent's charm.yaml: the parts telemetry reads, typed; everything else kept as it was.
///
/// Charm's schema (`charm/contracts/uac.py`) has `version` "0.4.x", `persona`, `interface`,
/// `runtime`, `policies` and more; only `runtime.telemetry` and `runtime.adapter` matter here,
/// but nothing is rejected for being there, and `document` keeps the whole file.
public struct CharmConfig: Sendable, Hashable {
    /// `version`, e.g. "0.4" or "0.4.2".
    package var version: String?
    /// `id`: the agent's id (used as Datadog's ml_app when none is set).
    package var id: String?
    /// `persona.name`.
    package var name: String?
    /// `runtime.telemetry`: the exporter names to enable, in order.
    public var telemetry: [String]
    /// `runtime.adapter`.
    package var adapter: Adapter?
    /// The whole document as JSON values, members in file order.
    package var document: JSONObject
    /// The file it was read from, if any.
    package var path: String?

    /// `runtime.adapter`: how Charm bootstraps the agent.
    package struct Adapter: Sendable, Hashable {
        /// `type`, e.g. "langchain", "crewai", "process".
        package var type: String
        /// `entry_point`, e.g. "src.main:app" or a shell command.
        package var entryPoint: String?
    }

    /// A configuration with the given parts.
    package init(
        version: String? = nil, id: String? = nil, name: String? = nil, telemetry: [String] = [],
        adapter: Adapter? = nil, document: JSONObject = [:], path: String? = nil
    ) {
        self.version = version
        self.id = id
        self.name = name
        self.telemetry = telemetry
        self.adapter = adapter
        self.document = document
        self.path = path
    }
}

/// Why a charm.yaml (or another YAML file read like it: the monitor's rules) could not be
/// used: always with the file, and the line when known.
public struct CharmConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or "<string>").
    package var path: String
    /// The 1-based line, when known.
    package var line: Int?
    /// What is wrong, and what to do instead.
    package var message: String

    /// An error in `path` (at `line`, when known).
    package init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
