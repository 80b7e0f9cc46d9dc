import CharmExporters
import CharmOTLP
import CharmTelemetry
import CharmWire
import Foundation
import OTLPProto
import CharmTestSupport
import Testing

/// The exporter encodes by hand (ProtobufWriter, OTLPEncoding: about twice as fast as
/// swift-protobuf's generated messages, docs/exporters.md); the receiver decodes with the
/// generated messages. What the exporter sends, the receiver's own decoder reads back field by
/// field, in both encodings.
@Suite("otlp exporter codec", .blocksThreads)
struct OTLPCodecTests {
    typealias Span = Opentelemetry_Proto_Trace_V1_Span

    /// The spans the exporter sends for `Scenario`, with the raw bodies.
    static func send(_ wire: OTLPConfiguration.WireProtocol) async throws -> (TraceRequest, [[UInt8]]) {
        let server = try await TestHTTPServer.start()
        let exporter = OTLPExporter(
            configuration: OTLPConfiguration(
                url: server.baseURL + "/v1/traces", wireProtocol: wire, resource: [("service.name", "svc")]),
            agentName: "Weather", agentID: "weather-agent", policy: Scenario.fastPolicy())
        try Scenario.play(exporter)
        #expect(exporter.flush(deadline: .now + .seconds(5)))
        exporter.shutdown()
        await server.stop()
        let bodies = server.requests.map(\.content)
        var all = TraceRequest()
        for body in bodies {
            let r = try TraceRequest(body: body, encoding: wire == .protobuf ? .protobuf : .json)
            all.resourceSpans += r.resourceSpans
        }
        return (all, bodies)
    }

    static func attributes(_ kvs: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: Opentelemetry_Proto_Common_V1_AnyValue.OneOf_Value] {
        Dictionary(kvs.map { ($0.key, $0.value.value!) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("the receiver's decoder reads the exporter's request field by field", arguments: [
        OTLPConfiguration.WireProtocol.protobuf, .json,
    ])
    func decodesFieldByField(wire: OTLPConfiguration.WireProtocol) async throws {
        let (request, _) = try await Self.send(wire)
        let rs = try #require(request.resourceSpans.first)
        let resource = Self.attributes(rs.resource.attributes)
        #expect(resource["service.name"] == .stringValue("svc"))
        #expect(resource["telemetry.sdk.name"] == .stringValue("charm-telemetry"))
        #expect(resource["telemetry.sdk.language"] == .stringValue("swift"))
        #expect(resource["telemetry.sdk.version"] == .stringValue(CharmExporters.version))
        let ss = try #require(rs.scopeSpans.first)
        #expect(ss.scope.name == "charm-telemetry")
        #expect(ss.scope.version == CharmExporters.version)

        let spans = request.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) }
        #expect(spans.count == 6)
        func id(_ key: String, _ count: Int, _ salt: String) -> Data { Data(DerivedID.bytes(key, count: count, salt: salt)) }
        func run(_ id: String) -> Span? {
            spans.first { Self.attributes($0.attributes)["charm.run_id"] == .stringValue(id) && $0.name.hasPrefix("invoke_agent") }
        }
        func nanos(_ event: Int64) -> UInt64 { UInt64((Scenario.t0 + event * 250_000) * 1_000) }

        let root = try #require(run("run-root"))
        #expect(root.name == "invoke_agent Weather")
        #expect(root.kind == .internal)
        #expect(root.traceID == id("run-root", 16, "trace"))
        #expect(root.spanID == id("run-root", 8, "span"))
        #expect(root.parentSpanID.isEmpty)
        #expect(root.startTimeUnixNano == nanos(1))
        #expect(root.endTimeUnixNano == nanos(11))
        #expect(!root.hasStatus)
        let rootAttrs = Self.attributes(root.attributes)
        #expect(rootAttrs["gen_ai.operation.name"] == .stringValue("invoke_agent"))
        #expect(rootAttrs["gen_ai.agent.id"] == .stringValue("weather-agent"))
        #expect(rootAttrs["gen_ai.agent.name"] == .stringValue("Weather"))

        let child = try #require(run("run-child"))
        #expect(child.traceID == root.traceID)
        #expect(child.spanID == id("run-child", 8, "span"))
        #expect(child.parentSpanID == root.spanID)

        let bad = try #require(run("run-bad"))
        #expect(bad.traceID == id("run-bad", 16, "trace"))
        #expect(bad.status.code == .error)
        #expect(bad.status.message == "model timed out")
        #expect(Self.attributes(bad.attributes)["error.type"] == .stringValue("TimeoutError"))

        let search = try #require(spans.first { $0.name == "execute_tool search" })
        #expect(search.spanID == id("call-1", 8, "span"))
        #expect(search.parentSpanID == root.spanID)
        #expect(search.startTimeUnixNano == nanos(2))
        #expect(search.endTimeUnixNano == nanos(3))
        let searchAttrs = Self.attributes(search.attributes)
        #expect(searchAttrs["gen_ai.tool.name"] == .stringValue("search"))
        #expect(searchAttrs["gen_ai.tool.call.id"] == .stringValue("call-1"))
        #expect(searchAttrs["gen_ai.tool.call.arguments"] == .stringValue("paris weather"))
        #expect(searchAttrs["gen_ai.tool.call.result"] == .stringValue("sunny, 24C"))

        let calc = try #require(spans.first { $0.name == "execute_tool calculator" })
        #expect(calc.status.code == .error)
        #expect(calc.status.message == "division by zero")

        let chat = try #require(spans.first { $0.name == "chat" })
        #expect(chat.kind == .client)
        #expect(chat.parentSpanID == root.spanID)
        #expect(Self.attributes(chat.attributes)["gen_ai.usage.output_tokens"] == .intValue(2))
    }

    @Test("both encodings carry the same request, and the JSON one writes ids as hex and enums as integers")
    func jsonFollowsOTLP() async throws {
        let (fromProtobuf, _) = try await Self.send(.protobuf)
        let (fromJSON, bodies) = try await Self.send(.json)
        let sorted = { (r: TraceRequest) in r.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) }.sorted { $0.spanID.lexicographicallyPrecedes($1.spanID) } }
        #expect(sorted(fromProtobuf) == sorted(fromJSON))
        #expect(sorted(fromJSON).count == 6)

        // The raw JSON, read without the receiver's base64-to-hex repair.
        var seen = 0
        for body in bodies {
            let doc = try JSONParser.parse(body)
            for rs in doc["resourceSpans"]?.arrayValue ?? [] {
                for ss in rs["scopeSpans"]?.arrayValue ?? [] {
                    for s in ss["spans"]?.arrayValue ?? [] {
                        seen += 1
                        let trace = try #require(s["traceId"]?.stringValue)
                        let span = try #require(s["spanId"]?.stringValue)
                        #expect(trace.count == 32 && trace.allSatisfy(\.isHexDigit) && trace == trace.lowercased())
                        #expect(span.count == 16 && span.allSatisfy(\.isHexDigit) && span == span.lowercased())
                        if let parent = s["parentSpanId"]?.stringValue { #expect(parent.count == 16 && parent.allSatisfy(\.isHexDigit)) }
                        #expect(s["kind"]?.intValue != nil, "kind is an integer")
                        if let status = s["status"] { #expect(status["code"]?.intValue == 2, "status code is an integer") }
                        #expect(s["startTimeUnixNano"]?.stringValue != nil, "64-bit integers are strings")
                    }
                }
            }
        }
        #expect(seen == 6)
        let root = try #require(sorted(fromJSON).first { $0.spanID == Data(DerivedID.bytes("run-root", count: 8, salt: "span")) })
        let hex = DerivedID.hex(Array(root.traceID))
        #expect(bodies.contains { String(decoding: $0, as: UTF8.self).contains("\"traceId\":\"\(hex)\"") })
    }
}
