import CharmTelemetry
import Dispatch

/// The bytes of a JSON line whose parse was put off: in the caller's buffer (valid for the
/// whole `feed`) or copied (from `carry` or an SSE frame, which are reused).
enum DeferredBytes {
    case borrowed(UnsafeBufferPointer<UInt8>)
    case owned([UInt8])

    func with<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch self {
        case .borrowed(let b): body(b)
        case .owned(let a): a.withUnsafeBufferPointer(body)
        }
    }
}

/// One line's share of a parallel feed, in stream order.
enum DecodeJob {
    /// A record made while splitting (raw, oversized, malformed framing).
    case record(DecodedRecord)
    /// A JSON line still to parse.
    case json(DeferredBytes, framing: Framing, line: Int)
}

/// Lets the two halves of a feed's parse share the job and result buffers: each writes only
/// its own indices, and `concurrentPerform` returns after both finish.
private struct SharedBuffers: @unchecked Sendable {
    let jobs: UnsafeBufferPointer<DecodeJob>
    let outcomes: UnsafeMutableBufferPointer<EventLineParser.Parsed?>
}

extension StreamDecoder {
    /// Feeds smaller than this are decoded on the caller's thread alone: below it, handing
    /// half to a second thread costs more than it saves.
    static let parallelMinimumBytes = 64 << 10

    /// Decodes a large feed in three steps: lines are split and recognised in order on this
    /// thread (framing, SSE frames, ids and raw prints need order); the JSON lines, which
    /// are most of the work, are parsed on two threads and, when structured or malformed,
    /// made into their records there; then, in order on this thread, the legacy interpreter
    /// sees each line and the records are emitted.
    /// The records are exactly those of a sequential feed, in the same order.
    mutating func feedParallel(_ bytes: UnsafeRawBufferPointer, _ emit: (DecodedRecord) -> Void) {
        collecting = true
        feedLines(bytes, emit)
        collecting = false
        var work: [DecodeJob] = []
        swap(&work, &jobs)
        var outcomes = [EventLineParser.Parsed?](repeating: nil, count: work.count)
        work.withUnsafeBufferPointer { jobBuffer in
            outcomes.withUnsafeMutableBufferPointer { outBuffer in
                let shared = SharedBuffers(jobs: jobBuffer, outcomes: outBuffer)
                let count = jobBuffer.count
                DispatchQueue.concurrentPerform(iterations: 2) { half in
                    let range = half == 0 ? 0..<(count / 2) : (count / 2)..<count
                    for k in range {
                        guard case .json(let data, let framing, let line) = shared.jobs[k] else { continue }
                        shared.outcomes[k] = data.with { EventLineParser.parse($0, framing: framing, line: line) }
                    }
                }
            }
        }
        for k in work.indices {
            switch work[k] {
            case .record(let r):
                emit(r)
            case .json(let data, let framing, let line):
                let parsed = outcomes[k].take() ?? data.with { EventLineParser.parse($0, framing: framing, line: line) }
                complete(parsed, emit)
            }
        }
        work.removeAll(keepingCapacity: true)
        swap(&work, &jobs)
    }
}
