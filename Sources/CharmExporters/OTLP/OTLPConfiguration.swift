import CharmTelemetry
import Foundation

/// The OTLP/HTTP trace exporter's settings, read from the standard `OTEL_*` variables as the
/// OpenTelemetry SDK specification defines them (signal-specific variables win).
public struct OTLPConfiguration: Sendable {
    /// The wire encoding.
    public enum WireProtocol: Sendable {
        /// `http/protobuf`: the default.
        case protobuf
        /// `http/json`.
        case json

        /// The name `OTEL_EXPORTER_OTLP_PROTOCOL` gives it (not a `String` raw type, which
        /// would make `init(rawValue:)` public too).
        package var rawValue: String {
            switch self {
            case .protobuf: "http/protobuf"
            case .json: "http/json"
            }
        }

        /// The protocol `OTEL_EXPORTER_OTLP_PROTOCOL` names, or nil.
        package init?(rawValue: String) {
            switch rawValue {
            case "http/protobuf": self = .protobuf
            case "http/json": self = .json
            default: return nil
            }
        }
    }

    /// The full traces URL.
    public var url: String
    /// Extra headers (often credentials: never shown).
    public var headers: [(String, String)]
    /// protobuf or JSON.
    public var wireProtocol: WireProtocol
    /// Gzip request bodies.
    public var gzip: Bool
    /// Per-request timeout.
    public var timeout: Duration
    /// Resource attributes: `service.name` and `OTEL_RESOURCE_ATTRIBUTES`, plus the SDK's own.
    public var resource: [(String, String)]

    /// A configuration with every field given.
    public init(
        url: String, headers: [(String, String)] = [], wireProtocol: WireProtocol = .protobuf, gzip: Bool = false,
        timeout: Duration = .seconds(10), resource: [(String, String)] = [("service.name", "charm-agent")]
    ) {
        self.url = url
        self.headers = headers
        self.wireProtocol = wireProtocol
        self.gzip = gzip
        self.timeout = timeout
        self.resource = resource
    }

    /// Reads the environment; `serviceName` is used when `OTEL_SERVICE_NAME` is unset.
    package init(environment env: [String: String], serviceName: String) throws(ExporterSetupError) {
        func get(_ names: String...) -> String? {
            for n in names { if let v = env[n]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v } }
            return nil
        }
        if let u = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            url = u
        } else {
            let base = get("OTEL_EXPORTER_OTLP_ENDPOINT") ?? "http://localhost:4318"
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalid(name: "otlp", reason: "endpoint \(Redactor.displayURL(url)) is not an http(s) URL")
        }
        var merged = Self.parseHeaders(get("OTEL_EXPORTER_OTLP_HEADERS") ?? "")
        for (k, v) in Self.parseHeaders(get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? "") {
            merged.removeAll { $0.0.lowercased() == k.lowercased() }
            merged.append((k, v))
        }
        headers = merged
        let proto = get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf"
        guard let p = WireProtocol(rawValue: proto) else {
            throw .invalid(name: "otlp", reason: "protocol '\(proto)' is not supported; use http/protobuf or http/json")
        }
        wireProtocol = p
        gzip = get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION") == "gzip"
        let ms = get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT").flatMap(Int.init) ?? 10_000
        timeout = .milliseconds(max(1, ms))
        var res = Self.parseHeaders(get("OTEL_RESOURCE_ATTRIBUTES") ?? "")
        res.removeAll { $0.0 == "service.name" }
        let service = get("OTEL_SERVICE_NAME")
            ?? Self.parseHeaders(get("OTEL_RESOURCE_ATTRIBUTES") ?? "").first { $0.0 == "service.name" }?.1
            ?? serviceName
        resource = [("service.name", service)] + res
    }

    /// `k=v,k2=v2` with URL-encoded values (the W3C Baggage octet rules the spec refers to);
    /// malformed entries are skipped, as the spec asks.
    static func parseHeaders(_ text: String) -> [(String, String)] {
        text.split(separator: ",").compactMap { part in
            guard let eq = part.firstIndex(of: "=") else { return nil }
            let k = part[..<eq].trimmingCharacters(in: .whitespaces)
            let raw = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !k.isEmpty else { return nil }
            return (k.removingPercentEncoding ?? k, raw.removingPercentEncoding ?? raw)
        }
    }
}
