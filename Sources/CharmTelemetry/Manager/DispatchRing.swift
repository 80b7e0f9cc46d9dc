import Dispatch
import Synchronization

/// The one bounded ring every dispatched event is written to, once, whatever the number of
/// exporters; each exporter's worker reads it with its own cursor (the LMAX Disruptor's
/// shape, with Aeron's broadcast rule for the producer: it never waits for a reader, and a
/// reader that falls a whole window behind is lapped and counts what it lost).
///
/// Positions number the events written, from 0; position `p` lives in slot `p & mask` until
/// position `p + capacity` overwrites it. See docs/architecture.md, "The dispatch ring", for
/// who writes what and the memory ordering.
///
/// `@unchecked Sendable`: the slots are raw memory whose every access is guarded by the
/// slot's own lock (`locks`), the producer state is guarded by `producerLock`, and
/// `published` is an atomic.
final class DispatchRing: @unchecked Sendable {
    /// One slot's contents, guarded by the slot's lock word (`locks[i]`, kept in its own array
    /// so that an access to the contents never overlaps the word). A reader copying the event
    /// and the producer overwriting it exclude each other, because a racy read of a refcounted
    /// string being replaced is a use-after-free, not just a torn value. The producer only
    /// ever waits for one reader's copy of one event, so its wait is bounded.
    struct Entry {
        /// The position whose event the slot holds (kept when the event is let go, so a
        /// reader can still tell the slot was not overwritten).
        var position: UInt64
        var event: TelemetryEvent
        /// Readers that have yet to take this position: those enabled (and not shut down) when
        /// it was written. The one that brings it to zero moves the event out, so the ring
        /// holds no event that every reader has taken.
        var pending: Int
    }

    /// What only the producer lock guards.
    struct Producer {
        /// The next position to write (equal to `published` once the lock is released).
        var next: UInt64 = 0
        /// Workers that went to sleep with nothing to read: signalled, once, by the next write.
        var sleepers: [DispatchSemaphore] = []
        /// Readers enabled and not shut down at `next`: each write is owed to this many. Zero
        /// means nothing is written at all (a manager with no enabled exporter retains nothing).
        var readers = 0
    }

    /// Slots in the ring: a power of two, at most `maximumCapacity`.
    let capacity: UInt64
    /// The largest window a reader may have: `margin` short of the ring, so that a reader
    /// lapped to `end - window` reads at least two batches ahead of the slots being written
    /// next, and never makes the producer wait on a slot lock while it copies.
    let maximumWindow: UInt64
    private let mask: UInt64
    /// Allocated whole but initialised on the first lap only as positions reach them, so a
    /// manager that dispatches little touches little memory (positions below `published` are
    /// initialised; readers never look at others).
    private let entries: UnsafeMutablePointer<Entry>
    /// Each slot's lock (`SpinLock`: acquiring compare-exchange, releasing store), so what was
    /// written to the slot under it is visible to the next holder.
    private let locks: UnsafeMutablePointer<SpinLock>
    /// Serialises writers: numbering, claiming a slot and publishing happen under it, so ring
    /// order is sequence order even with several producer threads.
    private let producerLock = SpinLock()
    /// Guarded by `producerLock`. Behind a pointer, not a stored `var`, so the hot path has no
    /// dynamic exclusivity check.
    private let producer: UnsafeMutablePointer<Producer>
    /// One past the last position written. Stored with release ordering by the producer after
    /// the slot's write (and its slot-lock release); loaded with acquire ordering by readers,
    /// so every position below a loaded value is written and initialised.
    private let published = Atomic<UInt64>(0)

    /// The most slots a ring has (a larger request is capped, never a crash): 2^20.
    static let maximumCapacity = 1 << 20
    /// How far short of the ring a reader's window stays: two batches.
    static let margin = 2 * Int(ExporterWorker.batchSize)

    /// A ring of at least `minimumCapacity` slots (rounded up to a power of two, at most
    /// `maximumCapacity`).
    init(minimumCapacity: Int) {
        let wanted = UInt64(min(max(2, minimumCapacity), Self.maximumCapacity))
        var c: UInt64 = 2
        while c < wanted { c <<= 1 }
        capacity = c
        // Rings too small for the margin (stress runs, which want the contention) have none.
        maximumWindow = c >= 2 * UInt64(Self.margin) ? c - UInt64(Self.margin) : c
        mask = c - 1
        entries = UnsafeMutablePointer<Entry>.allocate(capacity: Int(c))
        locks = UnsafeMutablePointer<SpinLock>.allocate(capacity: Int(c))
        for i in 0..<Int(c) { (locks + i).initialize(to: SpinLock()) }
        producer = UnsafeMutablePointer<Producer>.allocate(capacity: 1)
        producer.initialize(to: Producer())
    }

    deinit {
        entries.deinitialize(count: Int(min(published.load(ordering: .relaxed), capacity)))
        entries.deallocate()
        locks.deinitialize(count: Int(capacity))
        locks.deallocate()
        producer.deinitialize(count: 1)
        producer.deallocate()
    }

    /// One past the last position written (acquire: see `published`).
    @inline(__always)
    var end: UInt64 { published.load(ordering: .acquiring) }

    /// Writes `event` at the next position after `stamp` has finished it under the producer
    /// lock (so that its sequence number and time follow ring order), publishes it and wakes
    /// sleeping readers. Never waits for a reader, except for one that is copying this very
    /// slot. The event is moved, stamped in place, into its slot: it is never copied.
    @inline(__always)
    func publish(_ event: consuming TelemetryEvent, stamp: (inout TelemetryEvent) -> Void) {
        producerLock.lock()
        guard producer.pointee.readers > 0 else {
            // Nobody would read it: not written, not numbered (an enable still starts at `next`).
            producerLock.unlock()
            return
        }
        let p = producer.pointee.next
        stamp(&event)
        let replaced = write(event, at: p)
        finishPublishing(p)
        // Meant to be destroyed after both locks are given back, but the optimiser destroys it
        // in place under the slot lock (seen in the release build's code).
        _ = consume replaced
    }

    /// Writes an event built by the caller at the next position (see `publish(_:)`).
    @inline(__always)
    func publish(_ event: consuming TelemetryEvent) {
        producerLock.lock()
        guard producer.pointee.readers > 0 else {
            producerLock.unlock()
            return
        }
        let p = producer.pointee.next
        let replaced = write(event, at: p)
        finishPublishing(p)
        // The overwritten event is destroyed here, after the producer lock is given back.
        _ = consume replaced
    }

    /// Publishes position `p`, releases the producer lock and wakes sleeping readers.
    @inline(__always)
    private func finishPublishing(_ p: UInt64) {
        producer.pointee.next = p &+ 1
        published.store(p &+ 1, ordering: .releasing)
        // A reader registers as a sleeper under this lock after seeing no new position, so
        // one that registered before this write is woken by it, and one that comes after sees
        // it: no lost wake-up, and no system call while readers are awake. The array is empty
        // while readers are awake: one load.
        guard !producer.pointee.sleepers.isEmpty else {
            producerLock.unlock()
            return
        }
        var wake: [DispatchSemaphore] = []
        swap(&wake, &producer.pointee.sleepers)
        producerLock.unlock()
        for w in wake { w.signal() }
    }

    /// Moves `event` into position `p`'s slot and returns the event it overwrites (nil on the
    /// first lap), for the caller to destroy once it has given the producer lock back.
    @inline(__always)
    private func write(_ event: consuming TelemetryEvent, at p: UInt64) -> TelemetryEvent? {
        let i = Int(p & mask)
        let readers = producer.pointee.readers
        guard p >= capacity else {
            // First lap: nobody reads an unpublished position, so no lock is needed yet.
            (entries + i).initialize(to: Entry(position: p, event: event, pending: readers))
            return nil
        }
        var old = event
        locks[i].lock()
        swap(&entries[i].event, &old)
        entries[i].position = p
        entries[i].pending = readers
        locks[i].unlock()
        return old
    }

    /// The event at position `p` (which must be below `end`), or nil when it was overwritten:
    /// the reader was lapped there. Counts the reader as having taken it; the last one to do so
    /// takes the event itself and leaves the slot empty.
    func read(_ p: UInt64) -> TelemetryEvent? {
        let i = Int(p & mask)
        locks[i].lock()
        guard entries[i].position == p else {
            locks[i].unlock()
            return nil
        }
        entries[i].pending -= 1
        guard entries[i].pending == 0 else {
            let event = entries[i].event
            locks[i].unlock()
            return event
        }
        var event = Self.vacant
        swap(&entries[i].event, &event)
        locks[i].unlock()
        return event
    }

    /// Counts a reader that skipped position `p` (lapped, while the event may still be in its
    /// slot) as having taken it, letting the event go if it was the last; the event is
    /// destroyed after the slot's lock is given back.
    func skip(_ p: UInt64) {
        let i = Int(p & mask)
        var event = Self.vacant
        locks[i].lock()
        if entries[i].position == p {
            entries[i].pending -= 1
            if entries[i].pending == 0 { swap(&entries[i].event, &event) }
        }
        locks[i].unlock()
    }

    /// What an emptied slot holds: empty strings, which allocate nothing.
    private static var vacant: TelemetryEvent {
        TelemetryEvent(seq: 0, timestamp: Timestamp(microseconds: 0), runID: "", payload: .llmNewToken(token: ""))
    }

    /// How many slots hold an event rather than the vacant placeholder (for tests: what the
    /// ring keeps alive, whatever the reader counts say).
    package var occupiedSlots: Int {
        var n = 0
        let vacant = Self.vacant
        for i in 0..<Int(min(end, capacity)) {
            locks[i].lock()
            if entries[i].event != vacant { n += 1 }
            locks[i].unlock()
        }
        return n
    }

    /// Runs `body` with the next position under the producer lock: for changes that must fall
    /// exactly between two positions (an exporter added, enabled or disabled).
    func atNextPosition<T>(_ body: (UInt64) -> T) -> T {
        producerLock.lock()
        defer { producerLock.unlock() }
        return body(producer.pointee.next)
    }

    /// `atNextPosition(_:)` for changes that also change how many readers the next writes are
    /// owed to (`body` adjusts the count it is given: an exporter added, enabled, disabled or
    /// shut down).
    func atNextPosition<T>(countingReaders body: (UInt64, inout Int) -> T) -> T {
        producerLock.lock()
        defer { producerLock.unlock() }
        return body(producer.pointee.next, &producer.pointee.readers)
    }

    /// Registers `wake` to be signalled by the next write, unless a position at or past
    /// `seen` has been written already; true when registered (the caller then sleeps on it).
    func sleep(_ wake: DispatchSemaphore, ifNothingAfter seen: UInt64) -> Bool {
        producerLock.lock()
        defer { producerLock.unlock() }
        guard producer.pointee.next == seen else { return false }
        // Woken by a flush or shutdown rather than a write, a reader is still listed: once is
        // enough, or the list would grow by one per flush.
        if !producer.pointee.sleepers.contains(where: { $0 === wake }) { producer.pointee.sleepers.append(wake) }
        return true
    }

    /// Readers asleep until the next write (for tests).
    package var sleeperCount: Int { atNextPosition { _ in producer.pointee.sleepers.count } }
}
