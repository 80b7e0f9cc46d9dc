import Dispatch
import Foundation
import Synchronization
import CharmTestSupport
import Testing

@testable import CharmTelemetry

#if canImport(Glibc)
import Glibc
#endif

/// `Timestamp.now()` reads the system clock extrapolated from the cycle counter
/// (`WallClock`): it must stay the system clock's time, and never run backwards.
@Suite(.blocksThreads) struct WallClockTests {
    /// The system clock in microseconds, as `Timestamp.now()` read it before `WallClock`.
    private static func systemMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    @Test func anAnchorMeasuresTheRateBetweenTwoReadings() throws {
        // 3 ticks per nanosecond: 3,000 ticks past the anchor are 1,000 ns past its time.
        let a = try #require(
            WallClock.nextAnchor(
                after: nil, from: .init(ticks: 0, nanos: 1_000_000_000),
                to: .init(ticks: 3_000_000_000, nanos: 2_000_000_000)))
        #expect(a.ticks == 3_000_000_000)
        #expect(a.nanos == 2_000_000_000)
        // The scale is rounded down to 1/2^32 ns per tick: within a nanosecond or two.
        #expect((2_000_000_998...2_000_001_000).contains(a.nanos(at: 3_000_003_000)))
        #expect((2_999_999_998...3_000_000_000).contains(a.nanos(at: 6_000_000_000)))
    }

    @Test func aNewAnchorNeverStartsBeforeTheOldExtrapolation() throws {
        let old = WallClock.Anchor(ticks: 0, nanos: 1_000_000_000, scale: 1 << 32)  // 1 ns per tick
        // The system clock reads 500 ns behind the old anchor's extrapolation: drift, kept.
        let kept = try #require(
            WallClock.nextAnchor(
                after: old, from: .init(ticks: 0, nanos: 1_000_000_000),
                to: .init(ticks: 1_000_000_000, nanos: 1_999_999_500)))
        #expect(kept.nanos == 2_000_000_000)
        // The system clock reads ahead: followed.
        let ahead = try #require(
            WallClock.nextAnchor(
                after: old, from: .init(ticks: 0, nanos: 1_000_000_000),
                to: .init(ticks: 1_000_000_000, nanos: 2_000_000_700)))
        #expect(ahead.nanos == 2_000_000_700)
        // Stepped back by more than the tolerance: followed, as clock_gettime would be.
        let stepped = try #require(
            WallClock.nextAnchor(
                after: old, from: .init(ticks: 0, nanos: 1_000_000_000),
                to: .init(ticks: 1_000_000_000, nanos: 1_500_000_000)))
        #expect(stepped.nanos == 1_500_000_000)
    }

    @Test func readingsThatDoNotAdvanceMakeNoAnchor() {
        #expect(WallClock.nextAnchor(after: nil, from: .init(ticks: 5, nanos: 5), to: .init(ticks: 5, nanos: 9)) == nil)
        #expect(WallClock.nextAnchor(after: nil, from: .init(ticks: 5, nanos: 5), to: .init(ticks: 9, nanos: 5)) == nil)
    }

    /// Through calibration and one re-anchoring (a little over a second), every reading lies
    /// between the system clock read just before and just after it, within 50 µs of rounding and
    /// extrapolation, and readings taken in a total order (under one lock, by two threads) never
    /// go backwards.
    @Test func nowIsTheSystemClockAndNeverRunsBackwards() {
        let last = Mutex<Int64>(.min)
        let failures = Mutex<[String]>([])
        let end = Self.systemMicros() + 1_300_000
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            var n = 0
            while Self.systemMicros() < end {
                let before = Self.systemMicros()
                let now = last.withLock { last -> Int64 in
                    let now = Timestamp.now().microseconds
                    if now < last { failures.withLock { $0.append("went back: \(last) then \(now)") } }
                    last = now
                    return now
                }
                let after = Self.systemMicros()
                if now < before - 50 || now > after + 50 {
                    failures.withLock { $0.append("\(now) outside [\(before), \(after)]") }
                }
                n += 1
                if n % 1024 == 0 { usleep(100) }
            }
        }
        let seen = failures.withLock { $0 }
        #expect(seen.isEmpty, "\(seen.prefix(5))")
    }
}
