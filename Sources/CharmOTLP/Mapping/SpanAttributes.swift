import CharmTelemetry
import Foundation
import OTLPProto

/// A span's (or log record's) attributes by key, read the way the three conventions write
/// them: numbers sometimes as strings, messages sometimes as JSON text and sometimes as
/// structured values.
struct SpanAttributes {
    private var values: [String: Opentelemetry_Proto_Common_V1_AnyValue] = [:]

    init(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) {
        values.reserveCapacity(list.count)
        // A repeated key keeps its first value, as the OTel SDKs' attribute maps do.
        for kv in list where values[kv.key] == nil { values[kv.key] = kv.value }
    }

    /// Whether `key` is present.
    func has(_ key: String) -> Bool { values[key] != nil }

    /// The value as text: strings as they are, numbers and booleans printed, structures as
    /// compact JSON. `nil` when absent or empty.
    func string(_ key: String) -> String? {
        guard let v = values[key] else { return nil }
        let s = SpanAttributes.text(v)
        return s.isEmpty ? nil : s
    }

    /// The first of `keys` present.
    func string(_ keys: String...) -> String? {
        for k in keys { if let s = string(k) { return s } }
        return nil
    }

    /// A whole number: an int, a double without fraction, or a decimal string.
    func int(_ keys: String...) -> Int? {
        for k in keys {
            guard let v = values[k] else { continue }
            switch v.value {
            case .intValue(let i)?: return Int(exactly: i)
            case .doubleValue(let d)?: if let i = Int(exactly: d) { return i }
            case .stringValue(let s)?: if let i = Int(s.trimmingCharacters(in: .whitespaces)) { return i }
            default: break
            }
        }
        return nil
    }

    /// A list of strings: an array attribute, or a JSON array written as text.
    func strings(_ key: String) -> [String] {
        guard let v = values[key] else { return [] }
        switch v.value {
        case .arrayValue(let a)?: return a.values.map(SpanAttributes.text)
        case .stringValue(let s)?:
            if let data = s.data(using: .utf8), let arr = try? JSONSerialization.jsonObject(with: data) as? [Any] {
                return arr.compactMap { $0 as? String }
            }
            return s.isEmpty ? [] : [s]
        default: return []
        }
    }

    /// The value as JSON.
    func json(_ key: String) -> JSONValue? { values[key].map(SpanAttributes.json) }

    /// Attributes whose keys start with `prefix`, as they are (OpenLLMetry's
    /// `gen_ai.prompt.0.content`, OpenInference's `llm.input_messages.0.message.role`).
    func flattened(prefix: String) -> [(String, String)] {
        values.compactMap { k, v in k.hasPrefix(prefix) ? (k, SpanAttributes.text(v)) : nil }.sorted { $0.0 < $1.0 }
    }

    static func text(_ v: Opentelemetry_Proto_Common_V1_AnyValue) -> String {
        switch v.value {
        case .stringValue(let s)?: return s
        case .boolValue(let b)?: return b ? "true" : "false"
        case .intValue(let i)?: return String(i)
        case .doubleValue(let d)?: return String(d)
        case .bytesValue(let d)?: return d.base64EncodedString()
        case .arrayValue?, .kvlistValue?: return JSONWriter.compact(json(v))
        default: return ""
        }
    }

    static func json(_ v: Opentelemetry_Proto_Common_V1_AnyValue) -> JSONValue {
        switch v.value {
        case .stringValue(let s)?: return .string(s)
        case .boolValue(let b)?: return .bool(b)
        case .intValue(let i)?: return .int(i)
        case .doubleValue(let d)?: return .double(d)
        case .bytesValue(let d)?: return .string(d.base64EncodedString())
        case .arrayValue(let a)?: return .array(a.values.map(json))
        case .kvlistValue(let l)?:
            var o = JSONObject()
            for kv in l.values { o[kv.key] = json(kv.value) }
            return .object(o)
        default: return .null
        }
    }
}

extension Data {
    /// Lowercase hex, two digits a byte: how OTLP run ids and trace ids are shown.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
