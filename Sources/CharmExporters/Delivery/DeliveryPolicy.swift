import CharmTelemetry
/// How a `DeliveryEngine` batches, retries and bounds what it holds.
///
/// The defaults follow OpenTelemetry's BatchSpanProcessor and OTLP exporter guidance
/// (512 per batch, 5 s delay, 2048 queued, 10 s timeout), which every vendor here accepts.
public struct DeliveryPolicy: Sendable, Hashable {
    /// Most items in one request.
    public var maxBatchCount: Int
    /// A request is cut before its encoded items pass this many bytes (a single larger item
    /// still goes alone, since splitting it is impossible).
    public var maxBatchBytes: Int
    /// Longest an item waits for its batch to fill before it is sent anyway.
    public var maxDelay: Duration
    /// Items held (waiting plus in flight) before new ones are dropped and counted.
    public var capacity: Int
    /// Longest one HTTP attempt may take, connection included.
    public var requestTimeout: Duration
    /// Attempts per batch before it is given up (dropped and counted).
    public var maxAttempts: Int
    /// First retry delay; doubled per attempt, with jitter.
    public var initialBackoff: Duration
    /// Cap on one retry delay, including a server's `Retry-After`.
    public var maxBackoff: Duration
    /// Gzip request bodies (only for vendors that accept `Content-Encoding: gzip`).
    public var gzip: Bool

    /// A policy with every field given; the defaults suit a production agent.
    public init(
        maxBatchCount: Int = 512, maxBatchBytes: Int = 4 << 20, maxDelay: Duration = .seconds(5),
        capacity: Int = 2048, requestTimeout: Duration = .seconds(10), maxAttempts: Int = 8,
        initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(30), gzip: Bool = false
    ) {
        self.maxBatchCount = max(1, maxBatchCount)
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.maxDelay = maxDelay
        self.capacity = max(1, capacity)
        self.requestTimeout = requestTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.gzip = gzip
    }

    /// The delay before retry number `attempt` (1-based): exponential, capped, with "equal
    /// jitter" (half fixed, half random) so many clients recovering together spread out
    /// while each still waits at least half the nominal delay.
    package func backoff(attempt: Int) -> Duration {
        Backoff(initial: initialBackoff, cap: maxBackoff, jitter: true).delay(attempt: attempt)
    }
}
