import Synchronization

/// A one-way switch the hub flips to stop blocking readers at their next poll.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Whether stop was requested.
    var isSet: Bool { flag.load(ordering: .acquiring) }

    /// Requests stop.
    func set() { flag.store(true, ordering: .releasing) }
}
