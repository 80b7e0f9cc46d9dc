import Foundation

/// A seeded SplitMix64 generator for tests: a failing random case replays exactly.
///
/// The seed is `CHARM_TEST_SEED` when set, else fresh; tests put `seedNote` in their
/// expectation messages, so a failure prints the seed that reproduces it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    /// A generator on `seed`, or on `CHARM_TEST_SEED` / a fresh seed when nil.
    public init(seed: UInt64? = nil) {
        let chosen = seed
            ?? ProcessInfo.processInfo.environment["CHARM_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        self.seed = chosen
        self.state = chosen
    }

    /// "seed N (rerun with CHARM_TEST_SEED=N)".
    public var seedNote: String { "seed \(seed) (rerun with CHARM_TEST_SEED=\(seed))" }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
