import CharmTelemetry
import Foundation
import Synchronization

/// Builds Sentry events: a transaction per run (its tool calls and token streams as child
/// spans) and an error event per run error or tool error.
final class SentryEventMapping: Sendable {
    let environment: String
    let release: String?
    /// Finished tool and llm spans waiting for their run's transaction.
    private let children = Mutex<[String: [SpanRecord]]>([:])

    init(environment: String, release: String?) {
        self.environment = environment
        self.release = release
    }

    static func eventID() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    private static func seconds(_ t: Timestamp) -> JSONValue { .double(Double(t.microseconds) / 1_000_000) }

    private var common: JSONObject {
        var o = JSONObject()
        o["platform"] = "other"
        o["environment"] = .string(environment)
        if let release { o["release"] = .string(release) }
        o["sdk"] = .object(["name": "charm-telemetry", "version": .string(CharmExporters.version)])
        return o
    }

    /// The transaction for a finished run, or nothing while the span is a child (kept until
    /// its run ends).
    func events(for change: SpanChange) -> [JSONObject] {
        guard case .finished(let s) = change else { return [] }
        if s.kind != .run {
            children.withLock { $0[s.runID, default: []].append(s) }
            return []
        }
        let kids = children.withLock { $0.removeValue(forKey: s.runID) } ?? []
        var trace: JSONObject = [
            "trace_id": .string(DerivedID.traceHex(s.traceKey)), "span_id": .string(DerivedID.spanHex(s.key)),
        ]
        if let p = s.parentKey { trace["parent_span_id"] = .string(DerivedID.spanHex(p)) }
        trace["op"] = "gen_ai.invoke_agent"
        trace["status"] = .string(s.failed ? "internal_error" : "ok")
        trace["data"] = .object(["gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": .string(s.name)])
        var o = JSONObject()
        o["event_id"] = .string(Self.eventID())
        o["type"] = "transaction"
        o["transaction"] = .string("invoke_agent \(s.name)")
        o["transaction_info"] = .object(["source": "custom"])
        o["start_timestamp"] = Self.seconds(s.start)
        o["timestamp"] = Self.seconds(s.end ?? s.start)
        for m in common { o[m.key] = m.value }
        o["contexts"] = .object(["trace": .object(trace)])
        o["tags"] = .object(["charm.run_id": .string(s.runID)])
        o["spans"] = .array(kids.map { .object(span($0)) })
        return [o]
    }

    private func span(_ s: SpanRecord) -> JSONObject {
        var o = JSONObject()
        o["trace_id"] = .string(DerivedID.traceHex(s.traceKey))
        o["span_id"] = .string(DerivedID.spanHex(s.key))
        if let p = s.parentKey { o["parent_span_id"] = .string(DerivedID.spanHex(p)) }
        var data = JSONObject()
        switch s.kind {
        case .tool:
            o["op"] = "gen_ai.execute_tool"
            o["description"] = .string("execute_tool \(s.name)")
            data["gen_ai.operation.name"] = "execute_tool"
            data["gen_ai.tool.name"] = .string(s.name)
            if let c = s.callID { data["gen_ai.tool.call.id"] = .string(c) }
        case .llm, .run:
            o["op"] = "gen_ai.chat"
            o["description"] = "chat"
            data["gen_ai.operation.name"] = "chat"
            data["gen_ai.usage.output_tokens"] = .int(Int64(s.tokenCount))
        }
        o["start_timestamp"] = Self.seconds(s.start)
        o["timestamp"] = Self.seconds(s.end ?? s.start)
        o["status"] = .string(s.failed ? "internal_error" : "ok")
        o["data"] = .object(data)
        return o
    }

    /// An error event for a run error or a tool error; nil for other events.
    func errorEvent(for event: TelemetryEvent, traceKey: String) -> JSONObject? {
        let error: TelemetryError
        var tags: JSONObject = ["charm.run_id": .string(event.runID)]
        var spanKey = event.runID
        switch event.payload {
        case .error(let e): error = e
        case .toolError(let name, let e):
            error = e
            tags["gen_ai.tool.name"] = .string(name)
            if let c = event.callID {
                tags["gen_ai.tool.call.id"] = .string(c)
                spanKey = c
            }
        default: return nil
        }
        var o = JSONObject()
        o["event_id"] = .string(Self.eventID())
        o["timestamp"] = Self.seconds(event.timestamp)
        o["level"] = "error"
        o["logger"] = "charm-telemetry"
        for m in common { o[m.key] = m.value }
        o["exception"] = .object(["values": .array([.object(["type": .string(error.type), "value": .string(error.message)])])])
        o["tags"] = .object(tags)
        o["contexts"] = .object([
            "trace": .object([
                "trace_id": .string(DerivedID.traceHex(traceKey)), "span_id": .string(DerivedID.spanHex(spanKey)),
            ])
        ])
        return o
    }

    /// One envelope holding one event: header line, item header line, payload.
    static func envelope(_ event: JSONObject) -> [UInt8] {
        let payload = JSONBytes.object(event)
        let type = event["type"]?.stringValue ?? "event"
        var out = JSONBytes.object([
            "event_id": event["event_id"] ?? .null, "sent_at": .string(Timestamp.now().rfc3339),
        ])
        out.append(0x0A)
        out += JSONBytes.object(["type": .string(type), "length": .int(Int64(payload.count))])
        out.append(0x0A)
        out += payload
        out.append(0x0A)
        return out
    }
}
