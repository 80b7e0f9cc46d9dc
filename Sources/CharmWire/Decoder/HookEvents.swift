import CharmTelemetry

/// The hook events one line stands for: almost always none or one, now and then a few
/// (a legacy line that starts a run and a tool call).
///
/// A collection of its own rather than `[TelemetryEvent]` because a structured line, the
/// common case, carries exactly one: held inline it costs no heap allocation, where an array
/// cost one allocation and one free per line on the decoder's hot path.
public struct HookEvents: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral {
    private enum Storage: Hashable, Sendable {
        case none
        case one(TelemetryEvent)
        case many([TelemetryEvent])
    }

    private var storage: Storage

    /// No events.
    package init() { storage = .none }

    /// The events of `events`, in order.
    package init<S: Sequence<TelemetryEvent>>(_ events: S) {
        let array = Array(events)
        switch array.count {
        case 0: storage = .none
        case 1: storage = .one(array[0])
        default: storage = .many(array)
        }
    }

    /// One event.
    package init(_ event: TelemetryEvent) { storage = .one(event) }

    /// The events of a literal, in order.
    public init(arrayLiteral elements: TelemetryEvent...) { self.init(elements) }

    /// Always 0.
    public var startIndex: Int { 0 }

    /// The number of events.
    public var endIndex: Int {
        switch storage {
        case .none: 0
        case .one: 1
        case .many(let a): a.count
        }
    }

    /// The event at `position` (0 ..< count).
    public subscript(position: Int) -> TelemetryEvent {
        switch storage {
        case .one(let e):
            precondition(position == 0, "HookEvents index out of range")
            return e
        case .many(let a): return a[position]
        case .none: preconditionFailure("HookEvents index out of range")
        }
    }

    /// Calls `body` with each event in order, without copying them out.
    @inlinable
    package func forEach(_ body: (TelemetryEvent) throws -> Void) rethrows {
        for i in indices { try body(self[i]) }
    }
}
