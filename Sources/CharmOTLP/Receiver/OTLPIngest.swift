import CharmTelemetry
import OTLPProto
import Synchronization

/// Where the receivers deliver: decoded requests in, the monitor's events out.
///
/// Both receivers (HTTP and gRPC) share one, so spans of one trace sent over either meet in
/// one `TraceAssembler`. Events go to `deliver` under the assembler's lock, so they reach
/// the engine in the order the assembler made them, whatever the receivers' threads.
package final class OTLPIngest: Sendable {
    /// Receives events made from spans, grouped by the source they came from
    /// (`otlp:<service.name>`), in order.
    package typealias Deliver = @Sendable (_ events: [TelemetryEvent], _ source: String) -> Void
    /// Receives the log pane's lines made from log records (GenAI events and plain records),
    /// each with its source (`otlp:<service.name>`) and time, in order.
    package typealias DeliverLog = @Sendable (_ lines: [LogLine]) -> Void

    /// A line for the monitor's log pane, made from one log record.
    package struct LogLine: Sendable, Hashable {
        /// `<event name>: <content preview>`, or a plain record's body.
        package var text: String
        /// `otlp:<service.name>`.
        package var source: String
        /// The record's time, else when it was received.
        package var at: Timestamp
    }

    /// What a request came to.
    package struct Outcome: Sendable, Hashable {
        /// Spans or log records accepted.
        package var accepted = 0
        /// Spans or log records rejected (bad ids), reported in `partial_success`.
        package var rejected = 0
        /// Why some were rejected; empty when none were.
        package var message = ""

        /// The trace export's answer: `partial_success` when some spans were rejected.
        package var traceResponse: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse {
            var response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()
            if rejected > 0 {
                response.partialSuccess.rejectedSpans = Int64(rejected)
                response.partialSuccess.errorMessage = message
            }
            return response
        }

        /// The logs export's answer: `partial_success` when some records were rejected.
        package var logsResponse: Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse {
            var response = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse()
            if rejected > 0 {
                response.partialSuccess.rejectedLogRecords = Int64(rejected)
                response.partialSuccess.errorMessage = message
            }
            return response
        }
    }

    private let assembler: Mutex<TraceAssembler>
    private let deliver: Deliver
    private let deliverLog: DeliverLog
    private let counters = Mutex(Counters())
    /// Set by `finish`, read under the assembler's lock (which orders it; relaxed suffices).
    private let finished = Atomic<Bool>(false)

    private struct Counters {
        var spans = 0
        var rejected = 0
        var logRecords = 0
        var attachedEvents = 0
        var lateEvents = 0
    }

    /// An ingest delivering events to `deliver` and log lines to `log`, holding spans within
    /// `limits`.
    package init(
        limits: TraceAssembler.Limits = .init(), log: @escaping DeliverLog = { _ in }, deliver: @escaping Deliver
    ) {
        self.assembler = Mutex(TraceAssembler(limits: limits))
        self.deliver = deliver
        self.deliverLog = log
    }

    /// The source name for a `service.name`.
    package static func sourceName(service: String) -> String { "otlp:" + service }

    /// Reads a trace export request: every valid span goes to the assembler, and the events
    /// it completes go out.
    package func receive(_ request: TraceRequest, now: Timestamp = .now()) -> Outcome {
        var outcome = Outcome()
        var facts: [SpanFacts] = []
        for rs in request.resourceSpans {
            let service = SpanAttributes(rs.resource.attributes).string("service.name") ?? "unknown_service"
            for ss in rs.scopeSpans {
                for span in ss.spans {
                    if let f = SpanFacts(span: span, service: service) {
                        facts.append(f)
                    } else {
                        outcome.rejected += 1
                    }
                }
            }
        }
        outcome.accepted = facts.count
        if outcome.rejected > 0 {
            outcome.message = "\(outcome.rejected) span(s) rejected: trace id must be 16 bytes and span id 8, not all zero"
        }
        counters.withLock {
            $0.spans += outcome.accepted
            $0.rejected += outcome.rejected
        }
        assembler.withLock { a in
            send(a.add(facts, now: now))
            // After `finish` (the monitor is stopping) nothing may be left waiting: a late
            // request's spans go out at once.
            if finished.load(ordering: .relaxed) { send(a.finish()) }
        }
        return outcome
    }

    /// Reads a logs export request: each record becomes a line of the log pane, and the
    /// messages of GenAI events go to the LLM call of their span when it has not gone out yet
    /// (docs/otlp.md).
    package func receive(_ request: LogsRequest, now: Timestamp = .now()) -> Outcome {
        var records: [LogFacts] = []
        for rl in request.resourceLogs {
            let service = SpanAttributes(rl.resource.attributes).string("service.name") ?? "unknown_service"
            for sl in rl.scopeLogs {
                for r in sl.logRecords { records.append(LogFacts(record: r, service: service)) }
            }
        }
        var lines: [LogLine] = []
        var attached = 0
        var late = 0
        // Under the assembler's lock, as spans are: an event and its span's arrival are
        // ordered, and lines reach the log in the order the records came.
        assembler.withLock { a in
            for r in records {
                if let m = r.message, let trace = r.traceID, let span = r.spanID {
                    switch a.attach(m, traceID: trace, spanID: span, now: now) {
                    case .held: attached += 1
                    case .late: late += 1
                    }
                }
                if !r.line.isEmpty { lines.append(LogLine(text: r.line, source: OTLPIngest.sourceName(service: r.service), at: r.time ?? now)) }
            }
            if !lines.isEmpty { deliverLog(lines) }
        }
        counters.withLock {
            $0.logRecords += records.count
            $0.attachedEvents += attached
            $0.lateEvents += late
        }
        return Outcome(accepted: records.count)
    }

    /// Gives up on traces that waited too long for a parent (call it about once a second).
    package func tick(now: Timestamp = .now()) {
        assembler.withLock { a in send(a.expire(now: now)) }
    }

    /// Sends out every span still waiting (the monitor is stopping); spans of requests
    /// still being answered go out as they come.
    package func finish() {
        assembler.withLock { a in
            finished.store(true, ordering: .relaxed)
            send(a.finish())
        }
    }

    /// Spans waiting for a parent, by trace, for the monitor's placeholders.
    package var pendingTraces: [TraceAssembler.PendingTrace] { assembler.withLock { $0.pendingTraces } }

    /// Spans accepted, spans rejected and log records received so far.
    package var totals: (spans: Int, rejected: Int, logRecords: Int) {
        counters.withLock { ($0.spans, $0.rejected, $0.logRecords) }
    }

    /// GenAI events held for their span's LLM call, and those that came after their span
    /// went out (shown in the log, not attached), so far.
    package var genAIEvents: (held: Int, late: Int) { counters.withLock { ($0.attachedEvents, $0.lateEvents) } }

    /// Delivers `outputs` in order, one call per run of events from the same source.
    private func send(_ outputs: [TraceAssembler.Output]) {
        var i = 0
        while i < outputs.count {
            let service = outputs[i].service
            var batch: [TelemetryEvent] = []
            while i < outputs.count && outputs[i].service == service {
                batch.append(outputs[i].event)
                i += 1
            }
            deliver(batch, OTLPIngest.sourceName(service: service))
        }
    }
}
