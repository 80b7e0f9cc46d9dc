/// How the simulated agent behaves.
package struct DemoOptions: Sendable {
    /// Seed of every random choice: the same seed gives the same sessions.
    package var seed: UInt64
    /// Speed factor: 1 is a realistic pace, 10 is ten times faster, 0 no pauses at all.
    package var pace: Double
    /// Stop after this long; `nil` runs until the task is cancelled.
    package var duration: Duration?
    /// Stop after this many sessions; `nil` for no limit.
    package var sessions: Int?
    /// Flood mode for benchmarks: one run streaming tokens at `floodRate` per second.
    package var flood: Bool
    /// Tokens per second in flood mode.
    package var floodRate: Double
    /// Finished runs (each with one tool call) emitted as fast as possible before anything
    /// else, so a benchmark starts with that much history retained.
    package var finishedRuns: Int

    /// Options with every field given; the defaults are a realistic, endless demo.
    package init(
        seed: UInt64 = 42, pace: Double = 1, duration: Duration? = nil, sessions: Int? = nil, flood: Bool = false,
        floodRate: Double = 100_000, finishedRuns: Int = 0
    ) {
        self.seed = seed
        self.pace = pace
        self.duration = duration
        self.sessions = sessions
        self.flood = flood
        self.floodRate = floodRate
        self.finishedRuns = finishedRuns
    }
}
