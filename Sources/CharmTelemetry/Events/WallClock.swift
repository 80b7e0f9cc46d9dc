#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CCycleCounter
import Synchronization

/// `Timestamp.now()`'s clock: CLOCK_REALTIME, extrapolated between anchors from the
/// processor's time-stamp counter.
///
/// Every dispatched event is stamped, and on this guest `clock_gettime` costs about 28 ns against
/// about 13 ns for a bare `rdtsc` (the vDSO's own read is that `rdtsc` plus its sequence lock
/// and scaling). So the clock keeps an anchor — a counter reading, the wall time then, and the
/// nanoseconds per tick — and a read is the counter scaled from the anchor. About once a second
/// a reader re-anchors on `clock_gettime`, measuring the rate over the second just past, so the
/// extrapolation stays within a fraction of a microsecond of the system clock.
///
/// Used only where the kernel itself keeps time with the counter (its clocksource is `tsc`:
/// invariant, and synchronised across processors); elsewhere, and for the first
/// `calibrationNanos` of the process while the rate is measured, reads are `clock_gettime`.
///
/// Never runs backwards within the process: a new anchor starts at the later of the system
/// clock and the old anchor's extrapolation, unless the system clock was stepped back by more
/// than `stepTolerance` (then it follows the system clock, as `clock_gettime` would).
///
/// Memory ordering: the anchor is double-buffered (the Linux vDSO's latch). `version` counts the
/// anchors published; anchor `v` lives in `buffers[v & 1]`. The one re-anchoring thread (holding
/// `updating`) writes the buffer not in use, then stores `version + 1` with **release** ordering.
/// A reader loads `version` with **acquire** ordering, loads that buffer's fields (relaxed), then
/// after an acquiring fence loads `version` again: unchanged, the fields were the published
/// anchor's (the writer could only have been writing the other buffer); changed, it retries.
/// Readers never wait for the writer.
enum WallClock {
    /// One anchor: at counter reading `ticks` the time was `nanos` since the epoch, and each tick
    /// is `scale / 2^32` nanoseconds.
    struct Anchor: Equatable {
        var ticks: UInt64
        var nanos: UInt64
        var scale: UInt64

        /// Nanoseconds since the epoch at counter reading `t` (not before `ticks`).
        @inline(__always)
        func nanos(at t: UInt64) -> UInt64 {
            let (high, low) = (t &- ticks).multipliedFullWidth(by: scale)
            return nanos &+ (high << 32 | low >> 32)
        }
    }

    /// Readings of the system clock and the counter taken together.
    struct Reading: Equatable {
        var ticks: UInt64
        var nanos: UInt64
    }

    /// The wait before the first anchor: the rate is measured over at least this long.
    static let calibrationNanos: UInt64 = 20_000_000
    /// How often a reader re-anchors.
    static let reanchorNanos: UInt64 = 1_000_000_000
    /// A system clock behind the extrapolation by more than this was stepped back, not drifted.
    static let stepTolerance: UInt64 = 1_000_000

    /// The anchor that follows `previous`, re-measuring the rate from `previousReading` (the raw
    /// readings `previous` was made from) to `now`. Starts at the later of the system clock and
    /// the old extrapolation, so the clock never runs backwards, unless the system clock was
    /// stepped back by more than `stepTolerance`.
    static func nextAnchor(after previous: Anchor?, from previousReading: Reading, to now: Reading) -> Anchor? {
        guard now.ticks > previousReading.ticks, now.nanos > previousReading.nanos else { return nil }
        let ticks = now.ticks - previousReading.ticks
        // scale = elapsed nanoseconds * 2^32 / elapsed ticks, in 128-bit arithmetic.
        let elapsed = now.nanos - previousReading.nanos
        guard elapsed >> 32 < ticks else { return nil }
        let scale = ticks.dividingFullWidth((high: elapsed >> 32, low: elapsed << 32)).quotient
        var start = now.nanos
        if let previous {
            let extrapolated = previous.nanos(at: now.ticks)
            if extrapolated > start && extrapolated - start <= stepTolerance { start = extrapolated }
        }
        return Anchor(ticks: now.ticks, nanos: start, scale: scale)
    }

    /// The system clock, in nanoseconds since the epoch.
    @inline(__always)
    static func systemNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(max(0, Int64(ts.tv_sec))) &* 1_000_000_000 &+ UInt64(max(0, Int64(ts.tv_nsec)))
    }

    /// The system clock and the counter read together: the counter's midpoint around the
    /// clock read, best of a few tries, so that a thread preempted between the two reads (by
    /// milliseconds, on a loaded machine) cannot skew the rate.
    static func reading() -> Reading {
        var best = Reading(ticks: 0, nanos: 0)
        var bestGap = UInt64.max
        for _ in 0..<5 {
            let t0 = charm_cycle_counter()
            let n = systemNanos()
            let t1 = charm_cycle_counter()
            guard t1 >= t0 else { continue }
            if t1 - t0 < bestGap {
                bestGap = t1 - t0
                best = Reading(ticks: t0 + (t1 - t0) / 2, nanos: n)
            }
        }
        return bestGap == .max ? Reading(ticks: charm_cycle_counter(), nanos: systemNanos()) : best
    }

    /// Now, in nanoseconds since the epoch.
    @inline(__always)
    static func nanos() -> UInt64 {
        let v = state.version.load(ordering: .acquiring)
        if v > 0 {
            let anchor = state.anchor(v)
            let t = charm_cycle_counter()
            atomicMemoryFence(ordering: .acquiring)
            if state.version.load(ordering: .relaxed) == v, t >= anchor.ticks, t &- anchor.ticks < state.reanchorTicks.load(ordering: .relaxed) {
                return anchor.nanos(at: t)
            }
        }
        return slowNanos()
    }

    /// Calibrating, re-anchoring, a torn read, or no usable counter.
    @inline(never)
    static func slowNanos() -> UInt64 {
        guard state.usable else { return systemNanos() }
        while true {
            if state.updating.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
                defer { state.updating.store(false, ordering: .releasing) }
                let now = reading()
                let v = state.version.load(ordering: .relaxed)
                let current: Anchor? = v == 0 ? nil : state.anchor(v)
                // Writer-only state (guarded by `updating`): the raw readings of the last anchor.
                guard let last = state.lastReading.pointee else {
                    state.lastReading.pointee = now
                    return now.nanos
                }
                if v == 0 && now.nanos &- last.nanos < calibrationNanos { return now.nanos }
                if let current, now.ticks >= current.ticks, now.ticks &- current.ticks < state.reanchorTicks.load(ordering: .relaxed) {
                    return current.nanos(at: now.ticks)  // another thread re-anchored meanwhile
                }
                guard let next = nextAnchor(after: current, from: last, to: now) else {
                    state.lastReading.pointee = now
                    return max(now.nanos, current?.nanos(at: now.ticks) ?? 0)
                }
                state.lastReading.pointee = now
                state.store(next, as: v &+ 1)
                let ticksPerSecond = (UInt64(1) << 32).multipliedFullWidth(by: reanchorNanos)
                let limit = next.scale == 0 ? 0 : next.scale.dividingFullWidth(ticksPerSecond).quotient
                state.reanchorTicks.store(limit, ordering: .relaxed)
                state.version.store(v &+ 1, ordering: .releasing)
                return next.nanos
            }
            // Another thread is re-anchoring: the published anchor, if its read is consistent.
            let v = state.version.load(ordering: .acquiring)
            if v == 0 { return systemNanos() }
            let anchor = state.anchor(v)
            let t = charm_cycle_counter()
            atomicMemoryFence(ordering: .acquiring)
            if state.version.load(ordering: .relaxed) == v, t >= anchor.ticks { return anchor.nanos(at: t) }
        }
    }

    /// `@unchecked Sendable`: `lastReading` is touched only by the thread holding `updating`.
    final class State: @unchecked Sendable {
        /// Anchors published; 0 while calibrating.
        let version = Atomic<UInt64>(0)
        // The latch's two buffers: anchor `v` is in buffer `v & 1`.
        let ticks0 = Atomic<UInt64>(0), nanos0 = Atomic<UInt64>(0), scale0 = Atomic<UInt64>(0)
        let ticks1 = Atomic<UInt64>(0), nanos1 = Atomic<UInt64>(0), scale1 = Atomic<UInt64>(0)
        /// Counter ticks in `reanchorNanos` at the current rate: a read this far past its anchor
        /// re-anchors. Written before the release store of `version`.
        let reanchorTicks = Atomic<UInt64>(0)
        /// Held by the one thread re-anchoring.
        let updating = Atomic<Bool>(false)
        let lastReading = UnsafeMutablePointer<Reading?>.allocate(capacity: 1)
        /// The kernel keeps time with the counter, so the counter is invariant and synchronised.
        let usable: Bool

        init() {
            lastReading.initialize(to: nil)
            usable = charm_cycle_counter_available() != 0 && WallClock.kernelClocksourceIsTSC()
        }

        /// Anchor `v`'s fields (relaxed loads: see the ordering above).
        @inline(__always)
        func anchor(_ v: UInt64) -> Anchor {
            v & 1 == 0
                ? Anchor(ticks: ticks0.load(ordering: .relaxed), nanos: nanos0.load(ordering: .relaxed), scale: scale0.load(ordering: .relaxed))
                : Anchor(ticks: ticks1.load(ordering: .relaxed), nanos: nanos1.load(ordering: .relaxed), scale: scale1.load(ordering: .relaxed))
        }

        /// Writes anchor `v` into its buffer (by the thread holding `updating`, before it
        /// publishes `v`).
        func store(_ a: Anchor, as v: UInt64) {
            if v & 1 == 0 {
                ticks0.store(a.ticks, ordering: .relaxed); nanos0.store(a.nanos, ordering: .relaxed)
                scale0.store(a.scale, ordering: .relaxed)
            } else {
                ticks1.store(a.ticks, ordering: .relaxed); nanos1.store(a.nanos, ordering: .relaxed)
                scale1.store(a.scale, ordering: .relaxed)
            }
        }
    }

    static let state = State()

    static func kernelClocksourceIsTSC() -> Bool {
        guard let f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r") else {
            return false
        }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, 32, f) != nil else { return false }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.hasPrefix("tsc")
    }
}
