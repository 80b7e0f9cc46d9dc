import CharmTelemetry
import CharmWire

/// What every source delivers into: decoded records in order, and state changes.
///
/// Calls come from many threads (one per file, NIO event loops, SSE tasks); an
/// implementation serialises them (the monitor's engine does so with one mutex), which
/// makes it the single ordered inbox of all sources. Calls for one source are never
/// concurrent and arrive in order.
package protocol SourceSink: Sendable {
    /// Records decoded from `source`, in order.
    func deliver(_ records: [DecodedRecord], from source: String)
    /// `source` changed state; `error` says why when it failed or is waiting.
    func stateChanged(_ state: SourceState, of source: String, error: String?)
}

/// A decoder bound to one source and a sink: bytes in, batches of records out.
///
/// One per connection or file, so a producer that disconnects mid-line cannot corrupt
/// another producer's lines.
struct DecodingPump {
    let name: String
    let sink: any SourceSink
    var decoder: StreamDecoder
    private var batch: [DecodedRecord] = []
    /// Set once an `internal_run_finished` event (the runner's last) went through, when
    /// `watchesRunFinished` asks for the check (SSE only; it costs a compare per record).
    private(set) var sawRunFinished = false
    /// Valid events delivered so far, counted when `watchesRunFinished` is set: what tells
    /// an SSE attempt that made progress from one that only got bytes (HTML, comments).
    private(set) var events = 0
    var watchesRunFinished = false

    init(name: String, sink: any SourceSink, maxLineLength: Int = StreamDecoder.defaultMaxLineLength) {
        self.name = name
        self.sink = sink
        self.decoder = StreamDecoder(sourceName: name, maxLineLength: maxLineLength)
        // Large reads (a file caught up on, a producer far ahead) parse on two threads; the
        // usual small reads of a live stream stay on this one (see StreamDecoder+Parallel).
        self.decoder.parallelParsing = true
        batch.reserveCapacity(256)
    }

    /// Decodes `bytes` and delivers what they complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        decoder.feed(bytes) { batch.append($0) }
        flush()
    }

    /// Decodes `bytes` and returns the records instead of delivering them (for pacing).
    mutating func decode(_ bytes: UnsafeRawBufferPointer) -> [DecodedRecord] {
        var out: [DecodedRecord] = []
        decoder.feed(bytes) { out.append($0) }
        return out
    }

    /// Ends the stream: a last line without newline and a pending SSE frame are delivered.
    mutating func finish() {
        decoder.finish { batch.append($0) }
        flush()
    }

    /// Ends a connection of an SSE stream: what is batched is delivered, a partial line or
    /// unterminated frame is dropped (the server resends it after the reconnect). Returns
    /// the bytes dropped.
    mutating func abandon() -> Int {
        flush()
        return decoder.abandonPartial()
    }

    /// Delivers what is batched.
    mutating func flush() {
        guard !batch.isEmpty else { return }
        if watchesRunFinished {
            for r in batch {
                guard case .event(let e) = r else { continue }
                events += 1
                if e.type == "internal_run_finished" { sawRunFinished = true }
            }
        }
        sink.deliver(batch, from: name)
        batch.removeAll(keepingCapacity: true)
    }

    /// Delivers records decoded elsewhere.
    func deliver(_ records: [DecodedRecord]) {
        if !records.isEmpty { sink.deliver(records, from: name) }
    }

    /// Reports that this source entered `state`, and why when it failed or waits.
    func enter(_ state: SourceState, _ error: String? = nil) { sink.stateChanged(state, of: name, error: error) }
}
