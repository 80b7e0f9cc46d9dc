import CharmTelemetry
import Foundation
import OTLPProto

/// What a GenAI event (a log record the GenAI semantic conventions emit) says about the
/// messages of its model call.
enum GenAIMessageEvent: Sendable, Hashable {
    /// A message the model was given (`gen_ai.system.message`, `gen_ai.user.message`,
    /// `gen_ai.assistant.message`, `gen_ai.tool.message`): `{"role", …body}`.
    case input(JSONValue)
    /// A message the model answered with (`gen_ai.choice`): its body as it came.
    case output(JSONValue)
    /// The whole conversation at once (`gen_ai.client.inference.operation.details`): its
    /// `gen_ai.input.messages` and `gen_ai.output.messages`, as JSON text.
    case details(input: String?, output: String?)
}

/// One log record reduced to what the monitor uses: the line for its log pane, and, for a
/// GenAI event tied to a span, the messages it adds to that span's LLM call.
struct LogFacts: Sendable, Hashable {
    /// The sender's `service.name` (`unknown_service` when it gave none).
    var service: String
    /// 32 lowercase hex digits, or `nil` when the record names no valid span.
    var traceID: String?
    /// 16 lowercase hex digits, or `nil` when the record names no valid span.
    var spanID: String?
    /// `LogRecord.event_name`, else the `event.name` attribute; empty for a plain log line.
    var eventName: String
    /// The record's time (its own, else when the SDK observed it; `nil` when it gave neither).
    var time: Timestamp?
    /// The log pane's line: `<event name>: <content preview>`, or the body of a plain record;
    /// empty when there is nothing to show.
    var line: String
    /// Set for the GenAI events that carry messages.
    var message: GenAIMessageEvent?

    /// The roles whose `gen_ai.<role>.message` events are input messages.
    static let inputRoles: Set<String> = ["system", "user", "assistant", "tool"]
    /// The newer convention's one event per call.
    static let detailsEvent = "gen_ai.client.inference.operation.details"

    init(record: Opentelemetry_Proto_Logs_V1_LogRecord, service: String) {
        self.service = service
        let attributes = SpanAttributes(record.attributes)
        eventName = record.eventName.isEmpty ? attributes.string("event.name") ?? "" : record.eventName
        if record.traceID.count == 16, record.spanID.count == 8,
            record.traceID.contains(where: { $0 != 0 }), record.spanID.contains(where: { $0 != 0 })
        {
            traceID = record.traceID.lowercaseHex
            spanID = record.spanID.lowercaseHex
        }
        let nanos = record.timeUnixNano != 0 ? record.timeUnixNano : record.observedTimeUnixNano
        time = nanos == 0 ? nil : Timestamp(unixNanoseconds: nanos)
        let body: JSONValue = record.hasBody ? SpanAttributes.json(record.body) : .null
        message = LogFacts.message(eventName, body: body, attributes)
        line = LogFacts.line(eventName, body: body, message: message)
    }

    /// The messages a GenAI event carries; `nil` for any other record.
    static func message(_ name: String, body: JSONValue, _ a: SpanAttributes) -> GenAIMessageEvent? {
        if name == "gen_ai.choice" { return .output(body) }
        if name == detailsEvent {
            let input = a.string("gen_ai.input.messages")
            let output = a.string("gen_ai.output.messages")
            return input == nil && output == nil ? nil : .details(input: input, output: output)
        }
        guard name.hasPrefix("gen_ai."), name.hasSuffix(".message") else { return nil }
        let role = String(name.dropFirst("gen_ai.".count).dropLast(".message".count))
        guard inputRoles.contains(role) else { return nil }
        // The role the event's name gives, unless the body names another (the conventions
        // allow it when they differ).
        var o: JSONObject = ["role": .string(role)]
        switch body {
        case .object(let b): for (k, v) in b { o[k] = v }
        case .null: break
        default: o["content"] = body
        }
        return .input(.object(o))
    }

    /// The log pane's line for a record.
    static func line(_ name: String, body: JSONValue, message: GenAIMessageEvent?) -> String {
        let text: String
        switch message {
        case .input(let m)?: text = preview(m)
        case .output(let m)?: text = preview(m)
        case .details(let input, let output)?: text = output ?? input ?? ""
        case nil: text = body == .null ? "" : preview(body)
        }
        if name.isEmpty { return text }
        return text.isEmpty ? name : name + ": " + text
    }

    /// What a message says, shortest first: its `content` (or its `message`'s), else the
    /// whole value as compact JSON.
    static func preview(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .object(let o):
            if case .string(let s)? = o["content"] { return s }
            if case .object(let m)? = o["message"], case .string(let s)? = m["content"] { return s }
            return JSONWriter.compact(v)
        default: return JSONWriter.compact(v)
        }
    }
}
