import CharmTelemetry
import Foundation
import Synchronization

/// Builds Sentry events: a transaction per run (its tool calls and token streams as child
/// spans) and an error event per run error or tool error.
final class SentryEventMapping: Sendable {
    let environment: String
    let release: String?
    /// The DSN's public key, for the envelope's dynamic sampling context.
    let publicKey: String
    /// The agent's name: top-level runs are its transactions, and the head of every trace.
    let agentName: String
    let model: LLMModel?
    /// Finished tool and llm spans waiting for their run's transaction.
    private let children = Mutex<[String: [SpanRecord]]>([:])

    /// Where the spans come from, as Sentry's `origin` (`auto.<category>.<integration>`).
    static let origin = "auto.ai.charm_telemetry"

    init(environment: String, release: String?, publicKey: String = "", agentName: String = "agent", model: LLMModel? = nil) {
        self.environment = environment
        self.release = release
        self.publicKey = publicKey
        self.agentName = agentName
        self.model = model
    }

    /// A run's transaction name.
    static func transactionName(_ runName: String) -> String { "invoke_agent \(runName)" }

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
        trace["origin"] = .string(Self.origin)
        trace["status"] = .string(s.failed ? "internal_error" : "ok")
        trace["data"] = .object(["gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": .string(s.name)])
        var o = JSONObject()
        o["event_id"] = .string(Self.eventID())
        o["type"] = "transaction"
        o["transaction"] = .string(Self.transactionName(s.name))
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
            o["description"] = .string(model.map { "chat \($0.name)" } ?? "chat")
            data["gen_ai.operation.name"] = "chat"
            if let model {
                // The model and provider as Sentry's AI integrations record them.
                data["gen_ai.request.model"] = .string(model.name)
                data["gen_ai.system"] = .string(model.provider)
            }
            data["gen_ai.usage.output_tokens"] = .int(Int64(s.tokenCount))
        }
        o["origin"] = .string(Self.origin)
        o["start_timestamp"] = Self.seconds(s.start)
        o["timestamp"] = Self.seconds(s.end ?? s.start)
        o["status"] = .string(s.failed ? "internal_error" : "ok")
        o["data"] = .object(data)
        return o
    }

    /// Where an error happened: the run's trace, its own and its parent's span, and its name.
    struct RunPlace: Sendable {
        /// The root run's id (the trace key).
        var traceKey: String
        /// The parent run's id, for a nested run.
        var parentRunID: String?
        /// The run's span name (`SpanTracker.runName`).
        var name: String
    }

    /// An error event for a run error or a tool error; nil for other events. Like sentry-sdk's
    /// `capture_exception` inside a span, it names the run's transaction (`transaction`) and
    /// links to the span it happened in (`contexts.trace`: the tool call's span for a tool
    /// error, the run's for a run error), and says whether the agent handled it (`mechanism`).
    func errorEvent(for event: TelemetryEvent, place: RunPlace) -> JSONObject? {
        let error: TelemetryError
        var tags: JSONObject = ["charm.run_id": .string(event.runID)]
        var trace: JSONObject = ["trace_id": .string(DerivedID.traceHex(place.traceKey))]
        let handled: Bool
        switch event.payload {
        case .error(let e):
            error = e
            // on_error: the run failed with it.
            handled = false
            trace["span_id"] = .string(DerivedID.spanHex(event.runID))
            if let p = place.parentRunID { trace["parent_span_id"] = .string(DerivedID.spanHex(p)) }
            trace["op"] = "gen_ai.invoke_agent"
            trace["description"] = .string(Self.transactionName(place.name))
        case .toolError(let name, let e):
            error = e
            // on_tool_error: reported to the agent, which goes on with its run.
            handled = true
            tags["gen_ai.tool.name"] = .string(name)
            if let c = event.callID { tags["gen_ai.tool.call.id"] = .string(c) }
            trace["span_id"] = .string(DerivedID.spanHex(event.callID ?? event.runID))
            if event.callID != nil { trace["parent_span_id"] = .string(DerivedID.spanHex(event.runID)) }
            trace["op"] = "gen_ai.execute_tool"
            trace["description"] = .string("execute_tool \(name)")
        default: return nil
        }
        trace["origin"] = .string(Self.origin)
        var o = JSONObject()
        o["event_id"] = .string(Self.eventID())
        o["timestamp"] = Self.seconds(event.timestamp)
        o["level"] = "error"
        o["logger"] = "charm-telemetry"
        for m in common { o[m.key] = m.value }
        o["exception"] = .object([
            "values": .array([
                .object([
                    "type": .string(error.type), "value": .string(error.message),
                    "mechanism": .object(["type": "charm", "handled": .bool(handled)]),
                ])
            ])
        ])
        o["transaction"] = .string(Self.transactionName(place.name))
        o["transaction_info"] = .object(["source": "custom"])
        o["tags"] = .object(tags)
        o["contexts"] = .object(["trace": .object(trace)])
        return o
    }

    /// The trace's dynamic sampling context (the envelope header's `trace`), as sentry-sdk
    /// sends it: Sentry's dynamic sampling and its trace view read these, not the event. Every
    /// run is sampled (rate 1.0), so `sample_rand` only has to be stable per trace: it is
    /// derived from the trace id. `transaction` is the trace head's — a top-level run, named
    /// after the agent.
    func samplingContext(traceID: String) -> JSONObject {
        var dsc = JSONObject()
        dsc["trace_id"] = .string(traceID)
        dsc["public_key"] = .string(publicKey)
        dsc["environment"] = .string(environment)
        if let release { dsc["release"] = .string(release) }
        dsc["transaction"] = .string(Self.transactionName(agentName))
        dsc["sample_rate"] = "1.0"
        dsc["sampled"] = "true"
        let digits = Array(traceID.utf8.prefix(6))
        var r = 0
        for d in digits { r = r * 16 + Int(hexValue(d)) }
        let fraction = String(r * 1_000_000 / 0x100_0000)
        dsc["sample_rand"] = .string("0." + String(repeating: "0", count: 6 - fraction.count) + fraction)
        return dsc
    }

    private func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: 0
        }
    }

    /// One envelope holding one event: header line (with the trace's sampling context),
    /// item header line, payload.
    func envelope(_ event: JSONObject) -> [UInt8] {
        let payload = JSONBytes.object(event)
        let type = event["type"]?.stringValue ?? "event"
        var header: JSONObject = ["event_id": event["event_id"] ?? .null, "sent_at": .string(Timestamp.now().rfc3339)]
        if let traceID = event["contexts"]?["trace"]?["trace_id"]?.stringValue {
            header["trace"] = .object(samplingContext(traceID: traceID))
        }
        var out = JSONBytes.object(header)
        out.append(0x0A)
        out += JSONBytes.object([
            "type": .string(type), "content_type": "application/json", "length": .int(Int64(payload.count)),
        ])
        out.append(0x0A)
        out += payload
        out.append(0x0A)
        return out
    }
}
