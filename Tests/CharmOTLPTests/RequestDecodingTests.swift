import Foundation
import Testing

@testable import CharmOTLP

@Suite("OTLP request bodies: protobuf, JSON with hex ids, content types, tokens")
struct RequestDecodingTests {
    private static func json(traceID: String, spanID: String, parent: String?) -> [UInt8] {
        let parentMember = parent.map { #", "parentSpanId": "\#($0)""# } ?? ""
        return Array(#"""
            {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
              "scopeSpans": [{"spans": [{"traceId": "\#(traceID)", "spanId": "\#(spanID)"\#(parentMember),
                "name": "chat", "kind": 3, "startTimeUnixNano": "1000", "endTimeUnixNano": 2000,
                "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                               {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}}],
                "status": {"code": 2, "message": "rate limited"}, "unknownField": true}]}]}]}
            """#.utf8)
    }

    @Test("OTLP/JSON ids are hex (upper or lower case), not protobuf-JSON's base64; unknown fields are ignored")
    func hexIDs() throws {
        let body = Self.json(
            traceID: "5B8EFFF798038103D269B633813FC60C", spanID: "eee19b7ec3c1b174", parent: "eee19b7ec3c1b173")
        let request = try TraceRequest(body: body, encoding: .json)
        let span = request.resourceSpans[0].scopeSpans[0].spans[0]
        #expect(span.traceID.lowercaseHex == "5b8efff798038103d269b633813fc60c")
        #expect(span.spanID.lowercaseHex == "eee19b7ec3c1b174")
        #expect(span.parentSpanID.lowercaseHex == "eee19b7ec3c1b173")
        let facts = try #require(SpanFacts(span: span, service: "svc"))
        #expect(facts.role == .llm)
        #expect(facts.llm?.inputTokens == 12)
        #expect(facts.error?.message == "rate limited")
        #expect(facts.start.microseconds == 1 && facts.end.microseconds == 2)
    }

    @Test("ids that are already base64 of the right size are kept; ids of the wrong size reject the span")
    func base64AndBadIDs() throws {
        let trace = Data(repeating: 0xAB, count: 16).base64EncodedString()
        let span = Data(repeating: 0xCD, count: 8).base64EncodedString()
        let ok = try TraceRequest(body: Self.json(traceID: trace, spanID: span, parent: nil), encoding: .json)
        #expect(ok.resourceSpans[0].scopeSpans[0].spans[0].traceID == Data(repeating: 0xAB, count: 16))
        let bad = try TraceRequest(body: Self.json(traceID: "abcd", spanID: "00", parent: nil), encoding: .json)
        #expect(SpanFacts(span: bad.resourceSpans[0].scopeSpans[0].spans[0], service: "svc") == nil)
        let zero = try TraceRequest(
            body: Self.json(traceID: String(repeating: "0", count: 32), spanID: "eee19b7ec3c1b174", parent: nil), encoding: .json)
        #expect(SpanFacts(span: zero.resourceSpans[0].scopeSpans[0].spans[0], service: "svc") == nil)
    }

    @Test("garbage is a decoding error, never a crash")
    func garbage() {
        #expect(throws: OTLPDecodingError.self) { try TraceRequest(body: [0xFF, 0xFF, 0xFF, 0x0F], encoding: .protobuf) }
        #expect(throws: OTLPDecodingError.self) { try TraceRequest(body: Array("{not json".utf8), encoding: .json) }
        #expect(throws: OTLPDecodingError.self) { try LogsRequest(body: Array("[1,2]".utf8), encoding: .json) }
    }

    @Test("content types: protobuf and JSON with parameters and any case; nothing else")
    func contentTypes() {
        #expect(OTLPEncoding(contentType: "application/x-protobuf") == .protobuf)
        #expect(OTLPEncoding(contentType: "Application/JSON; charset=utf-8") == .json)
        #expect(OTLPEncoding(contentType: "text/plain") == nil)
        #expect(OTLPEncoding(contentType: "") == nil)
    }

    @Test("the bearer token: scheme in any case, exact token, nothing when none is set")
    func token() {
        let o = OTLPReceiverOptions(token: "s3cret")
        #expect(o.authorizes("Bearer s3cret"))
        #expect(o.authorizes("bearer s3cret"))
        #expect(!o.authorizes("Bearer s3cre"))
        #expect(!o.authorizes("Bearer s3cret2"))
        #expect(!o.authorizes("s3cret"))
        #expect(!o.authorizes(nil))
        #expect(OTLPReceiverOptions().authorizes(nil))
    }
}
