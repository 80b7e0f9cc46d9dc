import CharmTelemetry

/// Encodes an `ExportTraceServiceRequest` holding one resource and one scope.
///
/// Field numbers are those of opentelemetry-proto's `trace/v1/trace.proto`,
/// `common/v1/common.proto`, `resource/v1/resource.proto` and
/// `collector/trace/v1/trace_service.proto`.
enum OTLPEncoding {
    /// The instrumentation scope's name.
    static let scopeName = "charm-telemetry"

    // MARK: protobuf

    /// The request as protobuf (`application/x-protobuf`).
    static func protobuf(_ spans: [OTLPSpan], resource: [(String, OTLPSpan.Value)]) -> [UInt8] {
        var w = ProtobufWriter()
        w.message(1) { rs in  // ExportTraceServiceRequest.resource_spans
            rs.message(1) { r in  // ResourceSpans.resource
                for a in resource { r.message(1) { keyValue(&$0, a) } }  // Resource.attributes
            }
            rs.message(2) { ss in  // ResourceSpans.scope_spans
                ss.message(1) { scope in  // ScopeSpans.scope
                    scope.string(1, scopeName)
                    scope.string(2, CharmExporters.version)
                }
                for s in spans { ss.message(2) { span(&$0, s) } }  // ScopeSpans.spans
            }
        }
        return w.bytes
    }

    private static func span(_ w: inout ProtobufWriter, _ s: OTLPSpan) {
        w.data(1, s.traceID)
        w.data(2, s.spanID)
        w.data(4, s.parentSpanID)
        w.string(5, s.name)
        w.uint(6, UInt64(s.kind.rawValue))
        w.fixed64(7, s.startNanos)
        w.fixed64(8, s.endNanos)
        for a in s.attributes { w.message(9) { keyValue(&$0, a) } }
        if s.statusCode != 0 || !s.statusMessage.isEmpty {
            w.message(15) { st in  // Status: message = 2, code = 3
                st.string(2, s.statusMessage)
                st.uint(3, UInt64(s.statusCode))
            }
        }
    }

    private static func keyValue(_ w: inout ProtobufWriter, _ kv: (String, OTLPSpan.Value)) {
        w.string(1, kv.0)
        w.message(2) { v in  // AnyValue oneof
            switch kv.1 {
            case .string(let s): v.string(1, s, always: true)
            case .bool(let b): v.bool(2, b)
            case .int(let i): v.int64Member(3, i)
            case .double(let d): v.double(4, d)
            }
        }
    }

    // MARK: JSON

    /// The request as OTLP/JSON (`application/json`): lowerCamelCase names, ids as hex,
    /// 64-bit integers as strings, enums as integers.
    static func json(_ spans: [OTLPSpan], resource: [(String, OTLPSpan.Value)]) -> [UInt8] {
        let scope: JSONObject = ["name": .string(scopeName), "version": .string(CharmExporters.version)]
        let spanObjects: [JSONValue] = spans.map { s in
            var o = JSONObject()
            o["traceId"] = .string(DerivedID.hex(s.traceID))
            o["spanId"] = .string(DerivedID.hex(s.spanID))
            if !s.parentSpanID.isEmpty { o["parentSpanId"] = .string(DerivedID.hex(s.parentSpanID)) }
            o["name"] = .string(s.name)
            o["kind"] = .int(Int64(s.kind.rawValue))
            o["startTimeUnixNano"] = .string(String(s.startNanos))
            o["endTimeUnixNano"] = .string(String(s.endNanos))
            o["attributes"] = .array(s.attributes.map(jsonKeyValue))
            if s.statusCode != 0 || !s.statusMessage.isEmpty {
                var st = JSONObject()
                if !s.statusMessage.isEmpty { st["message"] = .string(s.statusMessage) }
                st["code"] = .int(Int64(s.statusCode))
                o["status"] = .object(st)
            }
            return .object(o)
        }
        let body: JSONObject = [
            "resourceSpans": .array([
                .object([
                    "resource": .object(["attributes": .array(resource.map(jsonKeyValue))]),
                    "scopeSpans": .array([.object(["scope": .object(scope), "spans": .array(spanObjects)])]),
                ])
            ])
        ]
        return JSONBytes.object(body)
    }

    private static func jsonKeyValue(_ kv: (String, OTLPSpan.Value)) -> JSONValue {
        let v: JSONObject
        switch kv.1 {
        case .string(let s): v = ["stringValue": .string(s)]
        case .bool(let b): v = ["boolValue": .bool(b)]
        case .int(let i): v = ["intValue": .string(String(i))]
        case .double(let d): v = ["doubleValue": .double(d)]
        }
        return .object(["key": .string(kv.0), "value": .object(v)])
    }
}
