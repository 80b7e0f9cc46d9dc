import CharmDemo
import Foundation

/// A seeded generator for tests (the demo's SplitMix64): a failing random case replays exactly.
///
/// The seed is `CHARM_TEST_SEED` when set, else fresh; tests put `seedNote` in their
/// expectation messages, so a failure prints the seed that reproduces it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var generator: SplitMix64

    /// A generator on `seed`, or on `CHARM_TEST_SEED` / a fresh seed when nil.
    public init(seed: UInt64? = nil) {
        let chosen = seed
            ?? ProcessInfo.processInfo.environment["CHARM_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        self.seed = chosen
        self.generator = SplitMix64(seed: chosen)
    }

    /// "seed N (rerun with CHARM_TEST_SEED=N)".
    public var seedNote: String { "seed \(seed) (rerun with CHARM_TEST_SEED=\(seed))" }

    public mutating func next() -> UInt64 { generator.next() }
}
