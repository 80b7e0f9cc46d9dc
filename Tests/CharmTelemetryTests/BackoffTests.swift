import CharmTestSupport
import Testing

@testable import CharmTelemetry

/// The one backoff: it grows, it caps, and its jitter stays between half and all of the
/// nominal wait.
@Suite struct BackoffTests {
    @Test func growsByDoublingThenCaps() {
        let b = Backoff(initial: .milliseconds(250), cap: .seconds(30), jitter: false)
        let waits = (1...10).map { Backoff.seconds(b.nominal(attempt: $0)) }
        #expect(waits == [0.25, 0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        #expect(b.nominal(attempt: 0) == .milliseconds(250))
        #expect(b.nominal(attempt: Int.max) == .seconds(30), "no overflow however many attempts")
        var g = SeededRandom()
        #expect(b.delay(attempt: 3, using: &g) == .seconds(1), "without jitter the delay is the nominal wait")
    }

    @Test func jitterStaysWithinHalfAndAllOfTheNominalWait() {
        let b = Backoff(initial: .milliseconds(100), cap: .seconds(10), jitter: true)
        var g = SeededRandom()
        var distinct = Set<Duration>()
        for attempt in 1...12 {
            let nominal = b.nominal(attempt: attempt)
            for _ in 0..<50 {
                let d = b.delay(attempt: attempt, using: &g)
                #expect(d >= nominal / 2 - .nanoseconds(1) && d <= nominal + .nanoseconds(1), "attempt \(attempt): \(d), \(g.seedNote)")
                distinct.insert(d)
            }
        }
        #expect(distinct.count > 100, "jitter spreads the waits (\(g.seedNote))")
    }
}
