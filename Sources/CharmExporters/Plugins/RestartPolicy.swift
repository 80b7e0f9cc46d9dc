import CharmTelemetry

/// When a plugin process that ended is started again, and when it is given up on.
///
/// A value: the supervisor asks it, after each exit, what to do next. Exits in a row are
/// counted; a process that ran `stableAfter` or longer before it ended starts the count
/// again, so a plugin that crashes once a day always restarts after the first delay.
struct RestartPolicy: Sendable, Hashable {
    /// The wait before each restart, growing with the exits in a row.
    var backoff: Backoff
    /// A process that ran this long before exiting resets the count of exits in a row.
    var stableAfter: Duration
    /// Restarts in a row after which the plugin is given up on; nil restarts it forever.
    var maxRestarts: Int?
    /// What follows giving up.
    var afterGivingUp: AfterGivingUp

    /// What a plugin that was given up on does.
    enum AfterGivingUp: Sendable, Hashable {
        /// Stays down until the exporter shuts down: it reports failing, with why.
        case stayDown
        /// Rests this long, then starts again with a fresh count.
        case retry(after: Duration)
    }

    /// What to do after an exit.
    enum Decision: Sendable, Hashable {
        /// Start it again after this wait.
        case restart(after: Duration)
        /// Give up; it rests this long, then starts again with a fresh count.
        case rest(Duration)
        /// Give up for good.
        case stayDown
    }

    /// A policy restarting forever, waiting by `backoff` (no jitter: one plugin's restarts
    /// are not a herd to spread).
    init(backoff: Backoff, stableAfter: Duration, maxRestarts: Int? = nil, afterGivingUp: AfterGivingUp = .stayDown) {
        self.backoff = backoff
        self.stableAfter = stableAfter
        self.maxRestarts = maxRestarts.map { max(0, $0) }
        self.afterGivingUp = afterGivingUp
    }

    /// The decision after the process's `exitsInARow`-th exit in a row (1-based): restart
    /// after the backoff's wait for that attempt, until `maxRestarts` restarts in a row have
    /// been made.
    func decision(afterExit exitsInARow: Int) -> Decision {
        if let maxRestarts, exitsInARow > maxRestarts {
            switch afterGivingUp {
            case .stayDown: return .stayDown
            case .retry(let after): return .rest(after)
            }
        }
        return .restart(after: backoff.nominal(attempt: exitsInARow))
    }

    /// The count of exits in a row after one more exit, by a process that ran `ranFor`.
    func exitsInARow(after previous: Int, ranFor: Duration) -> Int {
        ranFor >= stableAfter ? 1 : previous + 1
    }
}
