import Crypto
import Foundation

/// Ids for vendors, derived from our string keys with SHA-256.
///
/// Deterministic rather than random so that the same run exported by two processes (an agent
/// and a monitor replaying its log) lands on the same trace, and so that a child can compute
/// its parent's id without shared state.
package enum DerivedID {
    /// `count` bytes derived from `key` in namespace `salt` (never all zero, which OTLP
    /// reserves for "invalid").
    package static func bytes(_ key: String, count: Int, salt: String = "") -> [UInt8] {
        var out = Array(SHA256.hash(data: Array((salt + "\u{0}" + key).utf8)).prefix(count))
        if out.allSatisfy({ $0 == 0 }) { out[out.count - 1] = 1 }
        return out
    }

    /// Lowercase hex of `bytes`.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A 16-byte trace id for a trace key, as 32 hex digits.
    package static func traceHex(_ key: String) -> String { hex(bytes(key, count: 16, salt: "trace")) }

    /// An 8-byte span id for a span key, as 16 hex digits.
    package static func spanHex(_ key: String) -> String { hex(bytes(key, count: 8, salt: "span")) }

    /// A UUID for a key: the key itself when it already is one (so LangSmith shows the run id
    /// the agent used), otherwise a name-based UUID (version 5 layout over SHA-256 bytes).
    package static func uuid(_ key: String) -> String {
        if let u = UUID(uuidString: key) { return u.uuidString.lowercased() }
        var b = bytes(key, count: 16, salt: "uuid")
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        let h = hex(b)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }
}
