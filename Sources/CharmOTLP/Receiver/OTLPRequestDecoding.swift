import Foundation
import OTLPProto
import SwiftProtobuf

/// How an OTLP request body is encoded.
package enum OTLPEncoding: Sendable, Hashable {
    /// `application/x-protobuf` (and gRPC).
    case protobuf
    /// `application/json`: the protobuf JSON mapping, with OTLP's exceptions (ids in hex).
    case json

    /// The encoding a `Content-Type` names (parameters such as `charset` ignored), or `nil`.
    package init?(contentType: String) {
        let media = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        switch media {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    /// The `Content-Type` an answer in this encoding carries.
    package var contentType: String { self == .protobuf ? "application/x-protobuf" : "application/json" }
}

/// Why a body could not be read as an OTLP request.
package struct OTLPDecodingError: Error, Sendable, CustomStringConvertible {
    package var description: String
}

package typealias TraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
package typealias LogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest

extension TraceRequest {
    /// A trace export request from a body in `encoding`.
    package init(body: [UInt8], encoding: OTLPEncoding) throws(OTLPDecodingError) {
        do {
            switch encoding {
            case .protobuf:
                try self.init(serializedBytes: body)
            case .json:
                try self.init(jsonUTF8Bytes: body, options: OTLPJSON.options)
                for r in resourceSpans.indices {
                    for s in resourceSpans[r].scopeSpans.indices {
                        for i in resourceSpans[r].scopeSpans[s].spans.indices {
                            resourceSpans[r].scopeSpans[s].spans[i].traceID.fromOTLPHex(16)
                            resourceSpans[r].scopeSpans[s].spans[i].spanID.fromOTLPHex(8)
                            resourceSpans[r].scopeSpans[s].spans[i].parentSpanID.fromOTLPHex(8)
                        }
                    }
                }
            }
        } catch {
            throw OTLPDecodingError(description: "the body is not an OTLP trace export request: \(error)")
        }
    }
}

extension LogsRequest {
    /// A logs export request from a body in `encoding`.
    package init(body: [UInt8], encoding: OTLPEncoding) throws(OTLPDecodingError) {
        do {
            switch encoding {
            case .protobuf: try self.init(serializedBytes: body)
            case .json:
                try self.init(jsonUTF8Bytes: body, options: OTLPJSON.options)
                for r in resourceLogs.indices {
                    for s in resourceLogs[r].scopeLogs.indices {
                        for i in resourceLogs[r].scopeLogs[s].logRecords.indices {
                            resourceLogs[r].scopeLogs[s].logRecords[i].traceID.fromOTLPHex(16)
                            resourceLogs[r].scopeLogs[s].logRecords[i].spanID.fromOTLPHex(8)
                        }
                    }
                }
            }
        } catch {
            throw OTLPDecodingError(description: "the body is not an OTLP logs export request: \(error)")
        }
    }
}

enum OTLPJSON {
    /// Unknown fields are ignored, as the OTLP specification asks of receivers.
    static let options: JSONDecodingOptions = {
        var o = JSONDecodingOptions()
        o.ignoreUnknownFields = true
        return o
    }()
}

extension Data {
    /// OTLP/JSON writes trace and span ids as hex, not the base64 of protobuf's JSON
    /// mapping. Hex digits are base64 digits too, so the generic decoder read the id as
    /// base64 into 3/4 of its text's length; encoding those bytes again gives the hex text
    /// back exactly, which is then read as hex. An id that already has its size (a sender
    /// that wrote base64) is left as it is.
    mutating func fromOTLPHex(_ size: Int) {
        guard count == size * 3 / 2 else { return }
        let text = Array(base64EncodedString().utf8)
        guard text.count == size * 2 else { return }
        var bytes = Data(capacity: size)
        var i = 0
        while i < text.count {
            guard let hi = Data.hexValue(text[i]), let lo = Data.hexValue(text[i + 1]) else { return }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self = bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
