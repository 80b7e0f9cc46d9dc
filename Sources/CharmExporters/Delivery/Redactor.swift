import Foundation

/// Removes secrets from text before it becomes an error, a status or a log line.
///
/// Exporters know their secrets (API keys, DSN keys, webhook secrets, header values from
/// the environment); whatever a server or a library echoes back is scrubbed of them, so a
/// status panel or a bug report never leaks one.
public struct Redactor: Sendable, Hashable {
    /// The values replaced; short ones are ignored because they would mangle ordinary text.
    public private(set) var secrets: [String]

    /// A redactor for the given secret values.
    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `[redacted]`.
    public func clean(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: "[redacted]") }
        return out
    }

    /// A URL as it may be shown: scheme, host, port and path; no user info, no query,
    /// since both commonly carry credentials.
    public static func displayURL(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = ""
        if let r = rest.range(of: "://") {
            scheme = String(rest[..<r.upperBound])
            rest = rest[r.upperBound...]
        }
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return scheme + authority + rest[slash...]
    }
}
