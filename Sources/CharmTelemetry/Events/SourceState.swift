/// Where a source of events (a file, a socket connection, an SSE stream) is in its life.
///
/// The one vocabulary for it: the sources report it, the monitor's model keeps it and its
/// screen shows it by `rawValue`. Why a source failed or waits travels beside it (the
/// model keeps the last reason after the source recovers).
package enum SourceState: String, Sendable, Hashable {
    /// Opening, connecting, or listening for its first byte.
    case connecting
    /// Delivering bytes.
    case open
    /// Temporarily without data: a followed file that vanished, an SSE stream backing off.
    case waiting
    /// Reached its end normally.
    case ended
    /// Stopped by an error.
    case failed
}
