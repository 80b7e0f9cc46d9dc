import CharmTelemetry
import Foundation

/// Removes secrets from text before it becomes an error, a status or a log line.
///
/// Exporters know their secrets (API keys, DSN keys, webhook secrets, header values from
/// the environment); whatever a server or a library echoes back is scrubbed of them, so a
/// status panel or a bug report never leaks one.
package struct Redactor: Sendable, Hashable {
    /// The values replaced; short ones are ignored because they would mangle ordinary text.
    package private(set) var secrets: [String]

    /// A redactor for the given secret values.
    package init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `[redacted]`, and the user info and query string
    /// of every URL or path in it removed (a server may echo the request line).
    package func clean(_ text: String) -> String {
        // URLs first, while they are whole: a replaced secret inside one would split it.
        var out = URLScrubbing.scrub(text)
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: "[redacted]") }
        return out
    }

    /// The credential-bearing parts of `url`: its user, password, whole query string and
    /// each query value (percent-decoded too), so that an echo of any of them, in whatever
    /// form, is scrubbed even where it no longer looks like a URL.
    package static func urlSecrets(_ url: String) -> [String] {
        var out: [String] = []
        var rest = Substring(url)
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            for part in authority[..<at].split(separator: ":", maxSplits: 1) {
                out.append(String(part))
                if let decoded = String(part).removingPercentEncoding { out.append(decoded) }
            }
        }
        if let q = rest.firstIndex(of: "?") {
            var query = rest[rest.index(after: q)...]
            if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
            out.append(String(query))
            for pair in query.split(separator: "&") {
                guard let eq = pair.firstIndex(of: "=") else { continue }
                let value = String(pair[pair.index(after: eq)...])
                out.append(value)
                if let decoded = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding {
                    out.append(decoded)
                }
            }
        }
        return out.filter { !$0.isEmpty }
    }

    /// A URL as it may be shown: scheme, host, port and path; no user info, no query,
    /// since both commonly carry credentials.
    package static func displayURL(_ url: String) -> String {
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
