import CharmTelemetry
import OTLPProto
import SwiftProtobuf

/// What the HTTP receiver answers, per the OTLP/HTTP specification: the export response on
/// success (with `partial_success` when some were rejected), a `google.rpc.Status` on
/// failure, in the request's encoding when it had a known one.
package struct OTLPHTTPAnswer: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]
    package var retryAfterSeconds: Int?

    /// A success for a traces request.
    package static func traces(_ outcome: OTLPIngest.Outcome, encoding: OTLPEncoding) -> OTLPHTTPAnswer {
        success(outcome.traceResponse, encoding: encoding)
    }

    /// A success for a logs request.
    package static func logs(_ outcome: OTLPIngest.Outcome, encoding: OTLPEncoding) -> OTLPHTTPAnswer {
        success(outcome.logsResponse, encoding: encoding)
    }

    private static func success(_ m: some SwiftProtobuf.Message, encoding: OTLPEncoding) -> OTLPHTTPAnswer {
        let body: [UInt8]
        switch encoding {
        case .protobuf: body = (try? m.serializedBytes()) ?? []
        case .json: body = (try? m.jsonUTF8Bytes()) ?? Array("{}".utf8)
        }
        return OTLPHTTPAnswer(status: 200, contentType: encoding.contentType, body: body)
    }

    /// A failure: `status` with a `google.rpc.Status` whose code matches it and whose message
    /// says why. Retryable statuses (429, 503) carry `Retry-After`.
    package static func failure(
        _ status: Int, _ message: String, encoding: OTLPEncoding?, retryAfter: Int? = nil
    ) -> OTLPHTTPAnswer {
        let code = rpcCode(status)
        let body: [UInt8]
        switch encoding ?? .json {
        case .protobuf:
            // google.rpc.Status: code (field 1, varint) and message (field 2, string). Two
            // fields, written by hand rather than generating googleapis for them.
            var out: [UInt8] = [0x08]
            appendVarint(UInt64(code), to: &out)
            let text = Array(message.utf8)
            out.append(0x12)
            appendVarint(UInt64(text.count), to: &out)
            out += text
            body = out
        case .json:
            body = Array(JSONWriter.compact(.object(["code": .int(Int64(code)), "message": .string(message)])).utf8)
        }
        return OTLPHTTPAnswer(
            status: status, contentType: (encoding ?? .json).contentType, body: body, retryAfterSeconds: retryAfter)
    }

    /// The gRPC status code the HTTP status stands for.
    private static func rpcCode(_ status: Int) -> Int {
        switch status {
        case 400, 413: 3  // INVALID_ARGUMENT
        case 401: 16  // UNAUTHENTICATED
        case 403: 7  // PERMISSION_DENIED
        case 404, 405: 12  // UNIMPLEMENTED
        case 415: 3
        case 429: 8  // RESOURCE_EXHAUSTED
        case 503: 14  // UNAVAILABLE
        default: 13  // INTERNAL
        }
    }

    private static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
