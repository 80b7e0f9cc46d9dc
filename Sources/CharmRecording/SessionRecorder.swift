import CharmMonitorCore
import CharmTelemetry
import Foundation
import GRDB

/// How a recording stands, for the screen's indicator and the headless summary.
package struct RecordingStatistics: Sendable, Hashable {
    /// The database file.
    package var path: String
    /// The session's id in it.
    package var sessionID: Int64
    /// Entries written.
    package var recorded: Int
    /// Entries that could not be recorded: the queue was full (a live source outran the
    /// disk), or the database failed.
    package var lost: Int
    /// Entries waiting in the queue.
    package var queued: Int
    /// Why writing stopped, when it did (the monitor goes on without recording).
    package var failure: String?

    /// `{"path", "session_id", "recorded", "lost", "error"}` for the headless summary.
    package var json: JSONValue {
        .object([
            "path": .string(path), "session_id": .int(sessionID), "recorded": .int(Int64(recorded)),
            "lost": .int(Int64(lost)), "error": failure.map(JSONValue.string) ?? .null,
        ])
    }
}

/// Records a monitor session: the engine hands it every change it applied (`EngineRecorder`),
/// under its lock, and this only queues them; a thread of its own writes them to SQLite in
/// batched transactions (`SessionWriter`).
///
/// The queue is bounded (`capacity` entries). A live source that outruns the disk loses what
/// does not fit, counted in `lost` and shown; a finite source (stdin, a file read to its
/// end) waits for room instead, as it does for exporters, because a recording of a replay
/// that lost records would not replay to what the monitor showed.
///
/// Durability: the writer commits whatever is queued at least every `commitInterval`
/// (100 ms) and as soon as `batchSize` entries wait; a transaction holds at most
/// `maxTransaction` entries, so after `kill -9` the database holds everything but, at
/// most, the last second or so of entries.
package final class SessionRecorder: EngineRecorder, @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only with `condition` held
    // (NSCondition's lock is a pthread mutex: taking it acquires, releasing it releases, so
    // entries moved into `queue` by the engine's thread are fully visible to the writer
    // thread once it takes the lock, and `statistics` read under it are consistent).
    private let condition = NSCondition()
    private var queue: [[RecordedEntry]] = []
    private var queued = 0
    private var lost = 0
    private var lostWritten = 0
    /// Entries taken into the queue and then lost (writing failed).
    private var lostFromQueue = 0
    private var recorded = 0
    /// Entries taken into the queue so far (written, being written or still queued).
    private var accepted = 0
    private var closing = false
    private var finished = false
    private var failure: String?
    private var exportersAtEnd: JSONValue?

    /// Entries the queue holds at most.
    package let capacity: Int
    /// The database file.
    package let path: String
    /// The session's id.
    package let sessionID: Int64

    static let commitInterval: TimeInterval = 0.1
    static let batchSize = 4_096
    static let maxTransaction = 50_000

    private let writer: SessionWriter
    private let done = DispatchSemaphore(value: 0)

    /// Opens (or creates) the database at `path`, prunes it under `maxBytes` and starts a
    /// session for a monitor run as `command` with `limits` and `prices`. Throws when the
    /// database cannot be used; the caller warns and runs without recording.
    package init(
        path: String, command: [String], limits: RetentionLimits, prices: PriceTable, scrubber: SecretScrubber,
        maxBytes: Int64 = 1 << 30, capacity: Int = 65_536
    ) throws {
        self.path = path
        self.capacity = max(1, capacity)
        let db: DatabaseQueue
        do {
            db = try RecordingDatabase.openForWriting(path)
        } catch {
            throw error
        }
        do {
            writer = try SessionWriter(
                db: db, command: scrubber.scrubArguments(command).joined(separator: " "), limits: limits, prices: prices, scrubber: scrubber,
                maxBytes: maxBytes, at: .now())
        } catch let e as DatabaseError {
            throw RecordingDatabase.OpenError(path: path, reason: e.message ?? "\(e)")
        }
        sessionID = writer.sessionID
        let thread = Thread { [self] in run() }
        thread.name = "charm-monitor recorder"
        thread.start()
    }

    // MARK: EngineRecorder (under the engine's lock: queue only)

    package func enqueue(_ entries: inout [RecordedEntry], waitingUpTo limit: Duration?) {
        let n = entries.count
        guard n > 0 else { return }
        condition.lock()
        defer { condition.unlock() }
        if let limit, queued + n > capacity, failure == nil, !closing {
            let deadline = Date().addingTimeInterval(limit.timeInterval)
            condition.broadcast()
            while queued + n > capacity && queued > 0 && failure == nil && !closing {
                if !condition.wait(until: deadline) { break }
            }
        }
        if failure != nil || closing {
            lost += n
            entries.removeAll(keepingCapacity: true)
            return
        }
        // An entry never waits behind a batch larger than the queue: one that cannot fit
        // even in an empty queue is taken whole when the queue is empty.
        let room = capacity - queued
        if n <= room || queued == 0 {
            queue.append(entries)
            queued += n
            accepted += n
            entries = []
        } else {
            if room > 0 {
                queue.append(Array(entries[0..<room]))
                queued += room
                accepted += room
            }
            lost += n - max(0, room)
            entries.removeAll(keepingCapacity: true)
        }
        if queued >= SessionRecorder.batchSize { condition.signal() }
    }

    package func waitForRoom(_ count: Int, upTo limit: Duration) {
        condition.lock()
        defer { condition.unlock() }
        guard queued + count > capacity, queued > 0 else { return }
        let deadline = Date().addingTimeInterval(limit.timeInterval)
        condition.broadcast()
        while queued + count > capacity && queued > 0 && failure == nil && !closing {
            if !condition.wait(until: deadline) { return }
        }
    }

    /// Waits until everything queued so far is committed (or writing failed, or `limit`
    /// passed): what reads the recording of this very session (stepping) then sees all the
    /// screen shows, instead of what the last commit held.
    package func sync(upTo limit: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let target = accepted
        let deadline = Date().addingTimeInterval(limit.timeInterval)
        condition.broadcast()
        while recorded + lostFromQueue < target && failure == nil && !finished {
            if !condition.wait(until: deadline) { return }
        }
    }

    // MARK: Reading

    /// The counters now.
    package func statistics() -> RecordingStatistics {
        condition.lock()
        defer { condition.unlock() }
        return RecordingStatistics(
            path: path, sessionID: sessionID, recorded: recorded, lost: lost, queued: queued, failure: failure)
    }

    /// Writes what is queued, ends the session (storing `exporters`, the exporters' part of
    /// the headless summary) and stops the writer thread; waits for it. Call once, after
    /// the engine's last change.
    @discardableResult
    package func close(exporters: JSONValue? = nil) -> RecordingStatistics {
        condition.lock()
        if !closing {
            closing = true
            exportersAtEnd = exporters
            condition.broadcast()
            condition.unlock()
            done.wait()
        } else {
            condition.unlock()
        }
        return statistics()
    }

    // MARK: The writer thread

    private func run() {
        var lastCommit = Date()
        while true {
            condition.lock()
            // Gathers entries for up to `commitInterval`, unless a batch is already waiting.
            while !closing && queued < SessionRecorder.batchSize {
                let until = lastCommit.addingTimeInterval(SessionRecorder.commitInterval)
                if Date() >= until && queued > 0 { break }
                _ = condition.wait(until: max(until, Date().addingTimeInterval(0.005)))
            }
            var take: [[RecordedEntry]] = []
            var n = 0
            while !queue.isEmpty && n < SessionRecorder.maxTransaction {
                let b = queue.removeFirst()
                n += b.count
                take.append(b)
            }
            queued -= n
            let ending = closing && queue.isEmpty
            let lostNow = lost
            let failed = failure != nil
            // Room was made: producers waiting for it may go on.
            condition.broadcast()
            condition.unlock()

            if !failed {
                do {
                    if !take.isEmpty {
                        try writer.write(take)
                    } else if Date().timeIntervalSince(writer.lastHeartbeat) > SessionWriter.heartbeatInterval {
                        try writer.heartbeat()
                    }
                    if lostNow != lostWritten {
                        try writer.noteLost(lostNow)
                        lostWritten = lostNow
                    }
                    condition.lock()
                    recorded += n
                    condition.broadcast()
                    condition.unlock()
                } catch {
                    condition.lock()
                    failure = "\(error)"
                    lost += n
                    lostFromQueue += n
                    condition.broadcast()
                    condition.unlock()
                }
            } else if n > 0 {
                condition.lock()
                lost += n
                lostFromQueue += n
                condition.broadcast()
                condition.unlock()
            }
            lastCommit = Date()
            if ending { break }
        }
        condition.lock()
        let lostAtEnd = lost
        let failed = failure != nil
        let exporters = exportersAtEnd
        condition.unlock()
        if !failed {
            do {
                try writer.close(lost: lostAtEnd, exporters: exporters, at: .now())
            } catch {
                condition.lock()
                failure = "\(error)"
                condition.unlock()
            }
        }
        condition.lock()
        finished = true
        condition.unlock()
        done.signal()
    }
}

extension Duration {
    /// The duration in seconds, for Foundation's dates.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
