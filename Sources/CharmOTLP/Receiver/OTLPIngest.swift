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

    /// What a request came to.
    package struct Outcome: Sendable, Hashable {
        /// Spans or log records accepted.
        package var accepted = 0
        /// Spans or log records rejected (bad ids), reported in `partial_success`.
        package var rejected = 0
        /// Why some were rejected; empty when none were.
        package var message = ""
    }

    private let assembler: Mutex<TraceAssembler>
    private let deliver: Deliver
    private let counters = Mutex(Counters())
    /// Set by `finish`, read under the assembler's lock (which orders it; relaxed suffices).
    private let finished = Atomic<Bool>(false)

    private struct Counters {
        var spans = 0
        var rejected = 0
        var logRecords = 0
    }

    /// An ingest delivering to `deliver`, holding spans within `limits`.
    package init(limits: TraceAssembler.Limits = .init(), deliver: @escaping Deliver) {
        self.assembler = Mutex(TraceAssembler(limits: limits))
        self.deliver = deliver
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

    /// Reads a logs export request. Log records are counted; the GenAI events among them
    /// are not yet mapped (docs/otlp.md).
    package func receive(_ request: LogsRequest) -> Outcome {
        var n = 0
        for rl in request.resourceLogs { for sl in rl.scopeLogs { n += sl.logRecords.count } }
        counters.withLock { $0.logRecords += n }
        return Outcome(accepted: n)
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
