import CharmTelemetry
import Foundation
import Synchronization

/// One operation of LangSmith's batch ingest (`POST /runs/batch`): create or update a run.
enum LangSmithOperation: Sendable {
    /// `post`: a run that started.
    case post(JSONObject)
    /// `patch`: a run that ended.
    case patch(JSONObject)

    var run: JSONObject {
        switch self {
        case .post(let o), .patch(let o): o
        }
    }
}

/// Builds LangSmith runs from spans, with ids, `trace_id`, `parent_run_id` and `dotted_order`
/// exactly as the langsmith SDK's `RunTree` builds them.
///
/// `dotted_order` is, for each ancestor from the root down to the run itself, the start time
/// as `%Y%m%dT%H%M%S%fZ` followed by the run's UUID, joined by '.'; a child therefore needs
/// its parent's dotted order, which this keeps per open span.
final class LangSmithRunMapping: Sendable {
    /// Per open run: its dotted order, trace id and run id (a child needs all three of its parent's).
    private let orders = Mutex<[String: (order: String, trace: String, id: String)]>([:])
    let sessionName: String
    let model: LLMModel?

    init(sessionName: String, model: LLMModel? = nil) {
        self.sessionName = sessionName
        self.model = model
    }

    /// `20240914T223155647123Z`: the timestamp part of a dotted-order segment.
    static func dottedTime(_ t: Timestamp) -> String {
        String(t.rfc3339.filter { $0 != "-" && $0 != ":" && $0 != "." })
    }

    static func runType(_ k: SpanRecord.Kind) -> String {
        switch k {
        case .run: "chain"
        case .tool: "tool"
        case .llm: "llm"
        }
    }

    /// The run's id: a UUIDv7 as the SDK makes (it warns that future versions will require
    /// v7): 48 bits of the start time in ms, so ids sort by start, then version 7, variant and
    /// 74 bits of SHA-256 of the key, so the same run keeps its id (in this process and any
    /// other that sees the same start). A key that already is a v7 UUID is kept as it is.
    static func runID(_ key: String, start: Timestamp) -> String {
        if let u = UUID(uuidString: key) {
            let text = u.uuidString.lowercased()
            if Array(text)[14] == "7" { return text }
        }
        var b = DerivedID.bytes(key, count: 16, salt: "uuid7")
        let ms = UInt64(max(0, start.microseconds / 1_000)) & 0xFFFF_FFFF_FFFF
        for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        b[6] = (b[6] & 0x0F) | 0x70
        b[8] = (b[8] & 0x3F) | 0x80
        let c = Array(DerivedID.hex(b))
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }

    /// `extra`: the charm ids and, on llm runs, the model as LangSmith's own integrations label
    /// it (`ls_model_name`, `ls_provider`), plus what sent it (`runtime`, as the SDK adds).
    private func extra(_ s: SpanRecord) -> JSONValue {
        var metadata: JSONObject = ["charm_run_id": .string(s.runID)]
        if let c = s.callID { metadata["charm_tool_call_id"] = .string(c) }
        if s.kind == .llm, let model {
            metadata["ls_model_name"] = .string(model.name)
            metadata["ls_provider"] = .string(model.provider)
        }
        if s.kind == .llm, let a = s.action {
            metadata["agent_action"] = .object(["tool": .string(a.tool), "tool_input": .string(a.input)])
        }
        let runtime: JSONObject = [
            "sdk": "charm-telemetry", "sdk_version": .string(CharmExporters.version), "library": "charm-telemetry",
            "runtime": "swift",
        ]
        return .object(["metadata": .object(metadata), "runtime": .object(runtime)])
    }

    /// The fields a post and a patch share, as the SDK's `RunTree` sends them in both (a patch
    /// without `start_time` or `session_name` is one the server must match to an earlier post).
    private func common(_ s: SpanRecord, id: String, order: String, trace: String, parent: String?) -> JSONObject {
        var o = JSONObject()
        o["id"] = .string(id)
        o["name"] = .string(s.name)
        o["run_type"] = .string(Self.runType(s.kind))
        o["trace_id"] = .string(trace)
        o["dotted_order"] = .string(order)
        if let parent { o["parent_run_id"] = .string(parent) }
        o["start_time"] = .string(s.start.rfc3339)
        o["session_name"] = .string(sessionName)
        o["tags"] = .array([])
        o["extra"] = extra(s)
        return o
    }

    func operations(for change: SpanChange) -> [LangSmithOperation] {
        switch change {
        case .started(let s):
            let id = Self.runID(s.key, start: s.start)
            let segment = Self.dottedTime(s.start) + id
            let (order, trace, parent) = orders.withLock { m -> (String, String, String?) in
                if let p = s.parentKey, let po = m[p] {
                    let v = (po.order + "." + segment, po.trace, po.id)
                    m[s.key] = (v.0, v.1, id)
                    return v
                }
                // Parent unknown here (never seen, or another process): a root of its own,
                // since LangSmith requires the trace id to open the dotted order.
                m[s.key] = (segment, id, id)
                return (segment, id, nil)
            }
            var o = common(s, id: id, order: order, trace: trace, parent: parent)
            o["inputs"] = inputs(s)
            // As RunTree posts a run: no outputs yet, no events; an llm run names its model class.
            o["outputs"] = .object([:])
            o["events"] = .array([])
            if s.kind == .llm { o["serialized"] = .object(["name": .string(s.name)]) }
            return [.post(o)]
        case .finished(let s):
            var ops: [LangSmithOperation] = []
            var known = orders.withLock { $0.removeValue(forKey: s.key) }
            if known == nil {
                // Ended without a start we saw (exporter enabled mid-run): create it first.
                var started = s
                started.end = nil
                ops += operations(for: .started(started))
                known = orders.withLock { $0.removeValue(forKey: s.key) }
            }
            guard let known else { return ops }
            // The parent's id is the second-to-last segment of the dotted order (its last 36
            // characters): the parent may have ended and left the map already.
            let segments = known.order.split(separator: ".")
            let parent = segments.count > 1 ? String(segments[segments.count - 2].suffix(36)) : nil
            var o = common(s, id: known.id, order: known.order, trace: known.trace, parent: parent)
            o["end_time"] = .string((s.end ?? s.start).rfc3339)
            // A tool that failed has no output, and the SDK then sends none.
            if !(s.kind == .tool && s.output == nil) { o["outputs"] = outputs(s) }
            o["events"] = .array([])
            if let e = s.error { o["error"] = .string("\(e.type): \(e.message)") }
            ops.append(.patch(o))
            return ops
        }
    }

    private func inputs(_ s: SpanRecord) -> JSONValue {
        switch s.input {
        case .object(let o)?: .object(o)
        case let v?: .object(["input": v])
        case nil: .object([:])
        }
    }

    private func outputs(_ s: SpanRecord) -> JSONValue {
        switch s.kind {
        case .run: if case .object(let o)? = s.output { return .object(o) }
        case .tool: break
        case .llm:
            // usage_metadata is where LangSmith reads token counts (the SDK's own llm runs);
            // Charm's hooks count only the streamed (output) tokens.
            return .object([
                "generations": .array([.object(["text": .string(JSONBytes.text(s.output))])]),
                "token_count": .int(Int64(s.tokenCount)),
                "usage_metadata": .object(["output_tokens": .int(Int64(s.tokenCount))]),
            ])
        }
        return .object(["output": s.output ?? .null])
    }

    /// The batch body: `{"post": [...], "patch": [...]}`; an update of a run created in the
    /// same batch is folded into its creation, as the SDK does, so the server never sees a
    /// patch before its post.
    static func body(_ ops: [LangSmithOperation]) -> [UInt8] {
        var posts: [JSONObject] = []
        var index: [String: Int] = [:]
        var patches: [JSONObject] = []
        for op in ops {
            switch op {
            case .post(let o):
                if let id = o["id"]?.stringValue { index[id] = posts.count }
                posts.append(o)
            case .patch(let o):
                if let id = o["id"]?.stringValue, let i = index[id] {
                    for m in o { posts[i][m.key] = m.value }
                } else {
                    patches.append(o)
                }
            }
        }
        var body = JSONObject()
        body["post"] = .array(posts.map(JSONValue.object))
        body["patch"] = .array(patches.map(JSONValue.object))
        return JSONBytes.object(body)
    }
}
