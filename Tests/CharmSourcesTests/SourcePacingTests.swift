import CharmTelemetry
import Testing

@testable import CharmSources

/// Replay pacing and SSE reconnect delays, as numbers: no clock involved, so a pace that is
/// half what it should be, or a backoff that stops growing, fails for certain.
@Suite struct SourcePacingTests {
    @Test("replay: an event is due its distance from the first, SPEED times faster")
    func replayOffsets() {
        let base = Timestamp(microseconds: 1_700_000_000_000_000)
        let later = Timestamp(microseconds: 1_700_000_000_200_000)  // 200 ms after
        #expect(ReplayPacer.offset(of: later, from: base, speed: 1) == 0.2)
        #expect(ReplayPacer.offset(of: later, from: base, speed: 2) == 0.1)
        #expect(ReplayPacer.offset(of: later, from: base, speed: 10) == 0.02)
        #expect(ReplayPacer.offset(of: base, from: base, speed: 3) == 0)
        #expect(ReplayPacer(speed: 0).speed == 1, "a speed that is not positive means the recorded pace")
    }

    @Test("SSE: the delay doubles with each attempt that delivered nothing, up to the cap")
    func sseBackoffGrows() {
        let delays = (1...10).map { SSESource.backoff(failures: $0, initial: 0.5, max: 30) }
        #expect(delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30])
        #expect(SSESource.backoff(failures: 0, initial: 0.5, max: 30) == 0.5)
        #expect(SSESource.backoff(failures: 1_000, initial: 0.5, max: 30) == 30)
    }
}
