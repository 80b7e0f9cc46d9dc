#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry

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

    /// Words in an environment variable's name that make its value a secret.
    package static let secretNameWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "AUTH", "CREDENTIAL", "PRIVATE", "COOKIE", "SESSION"]
    /// Shorter values are not taken as secrets (a flag's "1" would scrub every digit).
    package static let minimumValueLength = 6

    /// A scrubber for `values` (e.g. a `--token`) and the secret-looking variables of `environment`.
    package init(values: [String] = [], environment: [String: String] = [:]) {
        var found = Set<String>()
        for v in values where v.utf8.count >= SecretScrubber.minimumValueLength { found.insert(v) }
        for (name, value) in environment where SecretScrubber.looksSecret(name) && value.utf8.count >= SecretScrubber.minimumValueLength {
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

    /// Whether an environment variable named `name` holds a secret.
    package static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretNameWords.contains { upper.contains($0) }
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
            return current.withUnsafeBufferPointer { SecretScrubber.scrubPatterns($0) } ?? current
        }
        return SecretScrubber.scrubPatterns(buf)
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
        if i > 0, keyByte[Int(b[i - 1])], b[i - 1] != UInt8(ascii: "=") && b[i - 1] != UInt8(ascii: "/") { return 0 }
        for k in 0..<p.start.count {
            let c = b[i + k]
            if p.caseInsensitive ? (c | 0x20) != p.start[k] : c != p.start[k] { return 0 }
        }
        var j = i + p.start.count
        while j < b.count && keyByte[Int(b[j])] { j += 1 }
        let n = j - i - p.start.count
        return n >= p.minimum ? n : 0
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
                    let wordStart = i == 0 || !key[Int(b[i - 1])] || b[i - 1] == UInt8(ascii: "=") || b[i - 1] == UInt8(ascii: "/")
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
