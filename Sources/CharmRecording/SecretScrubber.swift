#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry
import CharmWire

/// Replaces secrets with `[SECRET_REDACTED]` in whatever is about to be written to the
/// recording, so no secret ever reaches the database, its WAL or its shared-memory file.
///
/// Two kinds of secret: values known to be secret (the values of environment variables
/// whose names look secret, `--token`), found verbatim and in their JSON-escaped form; and
/// well-known key shapes found by pattern (`Bearer …`, `sk-…`, `ghp_…`, `github_pat_…`,
/// `xoxb-…`, `AKIA…`, `AIza…`, `glpat-…`). A pattern's secret ends at the first byte that
/// cannot be in a key (a quote, a backslash, a space…), so the JSON around it stays valid.
package struct SecretScrubber: Sendable {
    /// What a secret becomes.
    package static let replacement = "[SECRET_REDACTED]"

    /// Known secret values, longest first (so a value containing another is replaced whole),
    /// each also JSON-escaped when that differs.
    private let needles: [[UInt8]]

    /// Words that make an environment variable's value a secret when one is a whole
    /// `_`-separated segment of its name (or ends one, as in `APIKEY`, `GHTOKEN`).
    /// `SESSION` is not one (`DESKTOP_SESSION=ubuntu`), nor is a bare `AUTH` prefix
    /// (`XAUTHORITY`): `AWS_SESSION_TOKEN` is still found by `TOKEN`.
    package static let secretNameWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "AUTH", "CREDENTIAL", "CREDENTIALS", "PRIVATE", "COOKIE"]
    /// Last segments of names that hold no secret even with a secret word before them: a
    /// socket, a path, a folder, a file (`SSH_AUTH_SOCK`, `GPG_KEY_FILE`), a kind or mode.
    package static let nonSecretNameEnds: Set<String> = ["SOCK", "SOCKET", "PATH", "DIR", "FILE", "HOME", "TYPE", "MODE", "URL_BASE", "CONTROL"]
    /// An environment value shorter than this is not taken as a secret: replaced everywhere,
    /// a short common value would scrub ordinary text.
    package static let minimumValueLength = 8
    /// A `--token` shorter than this is not recorded at all (see `acceptsToken`): replaced
    /// wherever it appears, so short a value would wreck the recorded text.
    package static let minimumTokenLength = 4

    /// A scrubber for `values` (known secrets such as `--token`, replaced wherever they
    /// appear, whatever their length) and the secret-looking variables of `environment`.
    package init(values: [String] = [], environment: [String: String] = [:]) {
        var found = Set<String>()
        for v in values where !v.isEmpty { found.insert(v) }
        for (name, value) in environment where SecretScrubber.looksSecret(name) && SecretScrubber.looksSecretValue(value) {
            found.insert(value)
        }
        var needles = Set<[UInt8]>()
        for v in found {
            needles.insert(Array(v.utf8))
            var escaped: [UInt8] = []
            JSONWriter.appendEscaped(v, into: &escaped)
            needles.insert(escaped)
        }
        self.needles = needles.sorted { $0.count > $1.count }
    }

    /// Whether a `--token` can be recorded safely: one shorter than `minimumTokenLength`
    /// would have to be replaced in every word it occurs in, so recording is refused instead.
    package static func acceptsToken(_ token: String?) -> Bool {
        guard let token else { return true }
        return token.utf8.count >= minimumTokenLength
    }

    /// Whether an environment variable named `name` holds a secret: a secret word is one of
    /// its `_`-separated segments (or ends one), and its last segment is not one of
    /// `nonSecretNameEnds`.
    package static func looksSecret(_ name: String) -> Bool {
        let segments = name.uppercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).map(String.init)
        guard let last = segments.last, !nonSecretNameEnds.contains(last) else { return false }
        return segments.contains { seg in
            secretNameWords.contains { w in seg == w || (seg.count > w.count && seg.hasSuffix(w) && w.count >= 3 && w != "PASS") }
        }
    }

    /// Whether an environment value is worth scrubbing everywhere: at least
    /// `minimumValueLength` bytes, not a path, and not a plain word or number (at least two
    /// of lower case, upper case, digits and other bytes, or 20 bytes or more).
    package static func looksSecretValue(_ value: String) -> Bool {
        let u = Array(value.utf8)
        guard u.count >= minimumValueLength else { return false }
        if u[0] == UInt8(ascii: "/") || u[0] == UInt8(ascii: "~") || u[0] == UInt8(ascii: ".") { return false }
        if u.contains(where: { $0 == 0x20 }) && u.count < 20 { return false }
        var classes = Set<Int>()
        for b in u {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): classes.insert(0)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): classes.insert(1)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): classes.insert(2)
            default: classes.insert(3)
            }
        }
        return classes.count >= 2 || u.count >= 20
    }

    /// Flags whose value is a secret in a command line (`--token X`, `--token=X`, `--api-key X`…).
    private static func secretFlag(_ name: Substring) -> Bool {
        let n = name.drop(while: { $0 == "-" })
        return !n.isEmpty && name.hasPrefix("-") && looksSecretQueryName(Array(n.utf8)[...])
    }

    /// `argv` with every secret replaced: the value after (or in `=`) a secret-named flag
    /// whatever it is, and every argument scrubbed as text.
    package func scrubArguments(_ argv: [String]) -> [String] {
        var out: [String] = []
        var hideNext = false
        for a in argv {
            if hideNext {
                out.append(SecretScrubber.replacement)
                hideNext = false
                continue
            }
            if a.hasPrefix("-"), let eq = a.firstIndex(of: "=") {
                if SecretScrubber.secretFlag(a[..<eq]) {
                    out.append(String(a[...eq]) + SecretScrubber.replacement)
                    continue
                }
            } else if SecretScrubber.secretFlag(a[...]) {
                hideNext = true
            }
            out.append(scrub(a))
        }
        return out
    }

    /// `text` with every secret replaced (the same string, not a copy, when it has none).
    package func scrub(_ text: String) -> String {
        var text = text
        let changed = text.withUTF8 { buf -> [UInt8]? in scrubbed(buf) }
        if let changed { text = String(decoding: changed, as: UTF8.self) }
        return text
    }

    /// `text` with every secret replaced, or nil when it holds none.
    package func scrubbed(_ buf: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8]?
        // Known values first, each searched for in the whole text.
        for n in needles {
            let current = out
            let hit: Bool = current.map { c in c.withUnsafeBufferPointer { SecretScrubber.contains($0, n) } }
                ?? SecretScrubber.contains(buf, n)
            guard hit else { continue }
            out = SecretScrubber.replaceAll(n, in: current.map { c in c.withUnsafeBufferPointer { Array($0) } } ?? Array(buf))
        }
        if let current = out {
            out = current.withUnsafeBufferPointer { SecretScrubber.scrubPatterns($0) } ?? current
        } else {
            out = SecretScrubber.scrubPatterns(buf)
        }
        if let current = out {
            return current.withUnsafeBufferPointer { SecretScrubber.scrubCredentials($0) } ?? current
        }
        return SecretScrubber.scrubCredentials(buf)
    }

    /// `json` (JSON text, or NDJSON) with every secret replaced inside its string values
    /// only, so the result is valid JSON whenever the input was; nil when it holds none.
    /// A string with escapes is unescaped first, so a key right after an escaped newline
    /// (`"…:\nsk-…"`) is found as it would be in the text itself.
    package func scrubbedJSON(_ json: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8]?
        var copied = 0
        var i = 0
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        while i < json.count {
            guard json[i] == quote else { i += 1; continue }
            let start = i + 1
            var j = start
            var escaped = false
            while j < json.count && json[j] != quote {
                if json[j] == backslash { escaped = true; j += 1 }
                j += 1
            }
            let end = min(j, json.count)
            let segment = UnsafeBufferPointer(rebasing: json[start..<end])
            var replaced: [UInt8]?
            if !escaped {
                replaced = scrubbed(segment)
            } else if j < json.count, let text = (try? JSONParser.parse(String(decoding: json[(start - 1)...j], as: UTF8.self)))?.stringValue {
                let plain = scrub(text)
                if plain != text {
                    var e: [UInt8] = []
                    JSONWriter.appendEscaped(plain, into: &e)
                    replaced = e
                }
            } else {
                // Not a readable string (the text is not JSON after all): scrubbed as text.
                replaced = scrubbed(segment)
            }
            if let replaced {
                if out == nil { out = []; out!.reserveCapacity(json.count) }
                out!.append(contentsOf: json[copied..<start])
                out!.append(contentsOf: replaced)
                copied = end
            }
            i = end + 1
        }
        guard var result = out else { return nil }
        if copied < json.count { result.append(contentsOf: json[copied...]) }
        return result
    }

    private static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count, let base = hay.baseAddress else { return false }
        // memchr for the first byte (vectorised in libc), then a compare.
        let first = Int32(needle[0])
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            guard let p = memchr(base + i, first, last - i + 1) else { return false }
            let at = UnsafePointer<UInt8>(p.assumingMemoryBound(to: UInt8.self)) - base
            if needle.withUnsafeBytes({ n in memcmp(base + at, n.baseAddress!, n.count) == 0 }) { return true }
            i = at + 1
        }
        return false
    }

    private static func replaceAll(_ needle: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let r = Array(replacement.utf8)
        while i < bytes.count {
            if bytes[i] == needle[0], i + needle.count <= bytes.count, bytes[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: r)
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    // MARK: Patterns

    /// Bytes that may be part of a key or token.
    private static let keyByte: [Bool] = (0..<256).map { b in
        let c = UInt8(b)
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "~")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    /// A key shape: a literal start, then at least `minimum` key bytes. `keepPrefix` keeps
    /// the start in the text (`Bearer [SECRET_REDACTED]` reads better than the bare marker).
    private struct Pattern {
        var start: [UInt8]
        var caseInsensitive: Bool
        var minimum: Int
        var keepPrefix: Bool
    }

    private static let patterns: [Pattern] = [
        Pattern(start: Array("bearer ".utf8), caseInsensitive: true, minimum: 16, keepPrefix: true),
        Pattern(start: Array("sk-".utf8), caseInsensitive: false, minimum: 16, keepPrefix: false),
        Pattern(start: Array("ghp_".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
        Pattern(start: Array("gho_".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
        Pattern(start: Array("ghu_".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
        Pattern(start: Array("ghs_".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
        Pattern(start: Array("github_pat_".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
        Pattern(start: Array("xoxb-".utf8), caseInsensitive: false, minimum: 10, keepPrefix: false),
        Pattern(start: Array("xoxp-".utf8), caseInsensitive: false, minimum: 10, keepPrefix: false),
        Pattern(start: Array("xoxa-".utf8), caseInsensitive: false, minimum: 10, keepPrefix: false),
        Pattern(start: Array("AKIA".utf8), caseInsensitive: false, minimum: 16, keepPrefix: false),
        Pattern(start: Array("AIza".utf8), caseInsensitive: false, minimum: 30, keepPrefix: false),
        Pattern(start: Array("glpat-".utf8), caseInsensitive: false, minimum: 20, keepPrefix: false),
    ]

    /// The first two bytes a pattern can start with, as `first << 8 | second`: one table
    /// lookup per word start rules out almost every position.
    private static let startPair: [Bool] = {
        var t = [Bool](repeating: false, count: 1 << 16)
        for p in patterns {
            let firsts = p.caseInsensitive ? [p.start[0], p.start[0] & ~0x20] : [p.start[0]]
            let seconds = p.caseInsensitive ? [p.start[1], p.start[1] & ~0x20] : [p.start[1]]
            for a in firsts { for b in seconds { t[Int(a) << 8 | Int(b)] = true } }
        }
        return t
    }()

    /// The length of the key bytes of pattern `p` at `i` in `b` (0 when it does not match).
    private static func match(_ p: Pattern, _ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        guard i + p.start.count + p.minimum <= b.count else { return 0 }
        // A key starts a word: "task-…" is not "sk-…".
        if i > 0, !boundary(b, i) { return 0 }
        for k in 0..<p.start.count {
            let c = b[i + k]
            if p.caseInsensitive ? (c | 0x20) != p.start[k] : c != p.start[k] { return 0 }
        }
        var j = i + p.start.count
        while j < b.count && keyByte[Int(b[j])] { j += 1 }
        let n = j - i - p.start.count
        return n >= p.minimum ? n : 0
    }

    /// Whether a key may start at `i` (> 0): after a byte that cannot be in a key, after
    /// `=` or `/`, or after an escape written out as text (`\\n`, `\\t`, `\\u0041`…), where
    /// the letter before the key is part of the escape, not of a word.
    private static func boundary(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let p = b[i - 1]
        if !keyByte[Int(p)] || p == UInt8(ascii: "=") || p == UInt8(ascii: "/") { return true }
        let backslash = UInt8(ascii: "\\")
        if i >= 2, b[i - 2] == backslash, "nrtbf".utf8.contains(p) { return true }
        if i >= 6, b[i - 6] == backslash, b[i - 5] == UInt8(ascii: "u"),
            (i - 4..<i).allSatisfy({ isHex(b[$0]) }) { return true }
        return false
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
    }

    // MARK: Credentials in URLs and key=value pairs

    /// Bytes that end a URL's authority or a query value.
    private static func endsValue(_ c: UInt8) -> Bool {
        c <= 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "\\") || c == UInt8(ascii: "<")
            || c == UInt8(ascii: ">") || c == UInt8(ascii: "&") || c == UInt8(ascii: "#") || c == UInt8(ascii: ",")
            || c == UInt8(ascii: ";") || c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")
    }

    /// Bytes that end a URL's authority (a password may hold `&`, `,` or `;`).
    private static let endsAuthority: [Bool] = (0..<256).map { b in
        let c = UInt8(b)
        return c <= 0x20 || "\"'\\<>/?#".utf8.contains(c)
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            || c == UInt8(ascii: ".")
    }

    /// Parameter names whose value is a secret: one of these is a whole `_`/`-`/`.`
    /// segment of the name, in any case (`token`, `api_key`, `access_token`, `X-Amz-Signature`,
    /// `client_secret`, `sig`…), or the name is one of the run-together forms.
    private static let secretQueryWords: Set<String> = [
        "token", "key", "secret", "password", "passwd", "pwd", "pass", "sig", "signature", "auth", "credential",
        "credentials", "apikey", "accesstoken", "authtoken", "refreshtoken", "accesskey", "secretkey", "privatekey",
    ]

    static func looksSecretQueryName(_ name: ArraySlice<UInt8>) -> Bool {
        let lower = String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        if secretQueryWords.contains(lower) { return true }
        return lower.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).contains { secretQueryWords.contains(String($0)) }
    }

    /// `b` with URL passwords (`scheme://user:PASSWORD@host`) and the values of
    /// secret-named parameters (`?token=…`, `&api_key=…`, `password=…`) replaced, or nil.
    private static func scrubCredentials(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var cuts: [Range<Int>] = []
        let colon = UInt8(ascii: ":"), slash = UInt8(ascii: "/"), at = UInt8(ascii: "@"), eq = UInt8(ascii: "=")
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == colon, i + 2 < b.count, b[i + 1] == slash, b[i + 2] == slash {
                // The authority: up to the path, query or fragment; a password is between
                // the first ':' and the last '@' in it.
                var j = i + 3
                var firstColon: Int?
                var lastAt: Int?
                while j < b.count, endsAuthority[Int(b[j])] == false {
                    if b[j] == colon && firstColon == nil { firstColon = j }
                    if b[j] == at { lastAt = j }
                    j += 1
                }
                if let fc = firstColon, let la = lastAt, fc < la, fc + 1 < la { cuts.append((fc + 1)..<la) }
                i += 3
                continue
            }
            if c == eq, i > 0 {
                // A name=value pair: the name is the run of name bytes before '='.
                var s = i
                while s > 0 && isNameByte(b[s - 1]) { s -= 1 }
                let nameStart = s + (b[s..<i].prefix(while: { $0 == UInt8(ascii: "-") }).count)
                if nameStart < i, looksSecretQueryName(Array(b[nameStart..<i])[...]) {
                    var j = i + 1
                    while j < b.count && !endsValue(b[j]) { j += 1 }
                    let value = i + 1..<j
                    if !value.isEmpty && !b[value].starts(with: replacement.utf8) { cuts.append(value) }
                    i = j
                    continue
                }
            }
            i += 1
        }
        guard !cuts.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var copied = 0
        for r in cuts where r.lowerBound >= copied {
            out.append(contentsOf: b[copied..<r.lowerBound])
            out.append(contentsOf: replacement.utf8)
            copied = r.upperBound
        }
        out.append(contentsOf: b[copied...])
        return out
    }

    /// `b` with every pattern's key replaced, or nil when there is none.
    private static func scrubPatterns(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard b.count >= 2 else { return nil }
        var out: [UInt8]?
        var copied = 0
        var i = 0
        let last = b.count - 1
        startPair.withUnsafeBufferPointer { pairs in
            keyByte.withUnsafeBufferPointer { key in
                while i < last {
                    // Only at a word start (a key never starts mid-word) and only where the
                    // first two bytes begin some pattern.
                    let wordStart = i == 0 || !key[Int(b[i - 1])] || boundary(b, i)
                    guard wordStart, pairs[Int(b[i]) << 8 | Int(b[i + 1])] else { i += 1; continue }
                    var matched = false
                    for k in patterns.indices {
                        let n = match(patterns[k], b, i)
                        guard n > 0 else { continue }
                        let p = patterns[k]
                        if out == nil { out = []; out!.reserveCapacity(b.count) }
                        out!.append(contentsOf: b[copied..<i])
                        if p.keepPrefix { out!.append(contentsOf: b[i..<(i + p.start.count)]) }
                        out!.append(contentsOf: replacement.utf8)
                        i += p.start.count + n
                        copied = i
                        matched = true
                        break
                    }
                    if !matched { i += 1 }
                }
            }
        }
        guard var result = out else { return nil }
        result.append(contentsOf: b[copied..<b.count])
        return result
    }
}
