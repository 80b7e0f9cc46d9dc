/// The one exponential backoff of the project: exporters' retries, SSE reconnects and plugin
/// restarts all wait by it, so they grow, cap and spread the same way.
///
/// Attempt 1 waits `initial`; each later attempt twice the one before, up to `cap`. With
/// `jitter`, a wait is "equal jitter" (half fixed, half random): clients recovering together
/// spread out, while each still waits at least half the nominal delay.
package struct Backoff: Sendable, Hashable {
    /// The first wait.
    package var initial: Duration
    /// The longest wait.
    package var cap: Duration
    /// Whether waits are spread by equal jitter.
    package var jitter: Bool

    /// A backoff from `initial` doubling up to `cap`.
    package init(initial: Duration, cap: Duration, jitter: Bool) {
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
    }

    /// The wait before attempt `attempt` (1-based) without jitter: `initial · 2^(attempt−1)`,
    /// capped. Computed in seconds so that no attempt number can overflow.
    package func nominal(attempt: Int) -> Duration {
        let doublings = min(max(attempt, 1) - 1, 62)
        let seconds = Backoff.seconds(initial) * Double(sign: .plus, exponent: doublings, significand: 1)
        return .nanoseconds(Int64(min(seconds, Backoff.seconds(cap)) * 1e9))
    }

    /// The wait before attempt `attempt`: the nominal wait, or with jitter a wait between half
    /// of it and all of it, drawn from `random`.
    package func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let n = nominal(attempt: attempt)
        guard jitter else { return n }
        let s = Backoff.seconds(n)
        return .nanoseconds(Int64((s / 2 + Double.random(in: 0...(s / 2), using: &random)) * 1e9))
    }

    /// `delay(attempt:using:)` with the system's generator.
    package func delay(attempt: Int) -> Duration {
        var g = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &g)
    }

    /// A duration in seconds.
    package static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
