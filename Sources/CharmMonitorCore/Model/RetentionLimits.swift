/// How much the monitor keeps, so memory stays bounded however long it runs.
///
/// Every limit is a count or a byte size per kind of thing. When a limit is reached the
/// oldest item goes first; for runs, the oldest *finished* run goes first, so a live run is
/// never evicted while a finished one could be. Every eviction is counted in
/// `MonitorCounters` so a view can say that something was left out.
package struct RetentionLimits: Sendable, Hashable {
    /// Runs kept (`--max-runs`). Default 10,000.
    package var maxRuns: Int
    /// Tool calls kept per run (`--max-tool-calls`); the oldest go first. Default 10,000.
    package var maxToolCallsPerRun: Int
    /// Bytes of streamed token text kept per run (`--max-text-bytes`); the start is dropped
    /// first, so the latest text is always visible. Default 1 MiB.
    package var maxTextBytesPerRun: Int
    /// Bytes kept of one tool call's input, output or error (the start is kept). Default 64 KiB.
    package var maxToolIOBytes: Int
    /// Agent actions kept per run. Default 1,000.
    package var maxActionsPerRun: Int
    /// Lines kept in the log of raw prints, `thinking` and `status` (`--max-log-lines`). Default 5,000.
    package var maxLogLines: Int
    /// Error entries kept (`--max-errors`). Default 5,000.
    package var maxErrors: Int
    /// Bytes kept of one log line, one error's message or preview, or one run's inputs or
    /// outputs (the start is kept, the cut marked with "…"). Default 16 KiB: counts alone
    /// let 1,000 raw prints of 1 MB hold a gigabyte.
    package var maxEntryBytes: Int
    /// Bytes kept of a run id, call id or tool name. A longer one keeps its start and gains a
    /// hash of the whole, so two long ids that share a start stay apart. Default 512.
    package var maxNameBytes: Int

    /// Limits with every field given; the defaults suit a long interactive session.
    package init(
        maxRuns: Int = 10_000, maxToolCallsPerRun: Int = 10_000, maxTextBytesPerRun: Int = 1 << 20,
        maxToolIOBytes: Int = 64 << 10, maxActionsPerRun: Int = 1_000, maxLogLines: Int = 5_000,
        maxErrors: Int = 5_000, maxEntryBytes: Int = 16 << 10, maxNameBytes: Int = 512
    ) {
        self.maxRuns = max(1, maxRuns)
        self.maxToolCallsPerRun = max(1, maxToolCallsPerRun)
        self.maxTextBytesPerRun = max(0, maxTextBytesPerRun)
        self.maxToolIOBytes = max(0, maxToolIOBytes)
        self.maxActionsPerRun = max(0, maxActionsPerRun)
        self.maxLogLines = max(1, maxLogLines)
        self.maxErrors = max(1, maxErrors)
        self.maxEntryBytes = max(64, maxEntryBytes)
        self.maxNameBytes = max(32, maxNameBytes)
    }

    /// The defaults.
    package static let standard = RetentionLimits()
}
