import CharmTelemetry
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
    private let orders = Mutex<[String: (order: String, trace: String)]>([:])
    let sessionName: String

    init(sessionName: String) { self.sessionName = sessionName }

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

    func operations(for change: SpanChange) -> [LangSmithOperation] {
        switch change {
        case .started(let s):
            let id = DerivedID.uuid(s.key)
            let segment = Self.dottedTime(s.start) + id
            let (order, trace, parent) = orders.withLock { m -> (String, String, String?) in
                if let p = s.parentKey, let po = m[p] {
                    let v = (po.order + "." + segment, po.trace, DerivedID.uuid(p))
                    m[s.key] = (v.0, v.1)
                    return v
                }
                // Parent unknown here (never seen, or another process): a root of its own,
                // since LangSmith requires the trace id to open the dotted order.
                m[s.key] = (segment, id)
                return (segment, id, nil)
            }
            var o = JSONObject()
            o["id"] = .string(id)
            o["trace_id"] = .string(trace)
            o["dotted_order"] = .string(order)
            if let parent { o["parent_run_id"] = .string(parent) }
            o["name"] = .string(s.name)
            o["run_type"] = .string(Self.runType(s.kind))
            o["start_time"] = .string(s.start.rfc3339)
            o["inputs"] = inputs(s)
            o["session_name"] = .string(sessionName)
            var metadata: JSONObject = ["charm_run_id": .string(s.runID)]
            if let c = s.callID { metadata["charm_tool_call_id"] = .string(c) }
            o["extra"] = .object(["metadata": .object(metadata)])
            return [.post(o)]
        case .finished(let s):
            let entry = orders.withLock { $0.removeValue(forKey: s.key) }
            var ops: [LangSmithOperation] = []
            var known = entry
            if known == nil {
                // Ended without a start we saw (exporter enabled mid-run): create it first.
                var started = s
                started.end = nil
                ops += operations(for: .started(started))
                known = orders.withLock { $0.removeValue(forKey: s.key) }
            }
            guard let known else { return ops }
            let (order, trace) = known
            var o = JSONObject()
            o["id"] = .string(DerivedID.uuid(s.key))
            o["trace_id"] = .string(trace)
            o["dotted_order"] = .string(order)
            if let p = s.parentKey, order.contains(".") { o["parent_run_id"] = .string(DerivedID.uuid(p)) }
            o["end_time"] = .string((s.end ?? s.start).rfc3339)
            o["outputs"] = outputs(s)
            if let e = s.error { o["error"] = .string("\(e.type): \(e.message)") }
            if s.kind == .llm, let a = s.action {
                o["extra"] = .object(["metadata": .object(["agent_action": .object(["tool": .string(a.tool), "tool_input": .string(a.input)])])])
            }
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
            return .object(["generations": .array([.object(["text": .string(JSONBytes.text(s.output))])]),
                            "token_count": .int(Int64(s.tokenCount))])
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
