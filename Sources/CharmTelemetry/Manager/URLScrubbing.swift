/// Removes what commonly carries credentials from URLs inside free text: the user info of
/// `scheme://user:pass@host` and the query string of any URL or absolute path
/// (`/hook?token=…` → `/hook?[redacted]`).
///
/// Exporter errors quote what servers and libraries echo (a refused request line, a
/// redirect, a client error naming the URL); statistics, the monitor's panel, stderr and
/// the headless summary all show those texts, so they pass through here first. Exact
/// secret values are scrubbed separately by the exporters (`Redactor`), which know them.
package enum URLScrubbing {
    /// `text` with URL user info and query strings replaced.
    package static func scrub(_ text: String) -> String {
        // Most texts carry no URL: look before copying.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "@") }) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if isDelimiter(bytes[i]) {
                out.append(bytes[i])
                i += 1
                continue
            }
            var end = i
            while end < bytes.count && !isDelimiter(bytes[end]) { end += 1 }
            out += scrubToken(bytes[i..<end])
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "`"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }

    private static let redacted = Array("[redacted]".utf8)

    private static func scrubToken(_ token: ArraySlice<UInt8>) -> [UInt8] {
        var t = Array(token)
        // scheme://user:pass@host → scheme://host
        if let sep = find(Array("://".utf8), in: t) {
            let authorityStart = sep + 3
            var authorityEnd = authorityStart
            while authorityEnd < t.count, t[authorityEnd] != UInt8(ascii: "/"), t[authorityEnd] != UInt8(ascii: "?"),
                t[authorityEnd] != UInt8(ascii: "#")
            {
                authorityEnd += 1
            }
            if let at = t[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) {
                t.removeSubrange(authorityStart...at)
            }
        }
        // A query after a URL or a path: everything from `?` to the token's end.
        if let q = t.firstIndex(of: UInt8(ascii: "?")), q + 1 < t.count,
            t[..<q].contains(UInt8(ascii: "/")) || find(Array("://".utf8), in: t) != nil
        {
            t.removeSubrange((q + 1)...)
            t += redacted
        }
        return t
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
