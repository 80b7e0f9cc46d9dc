import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a stop request, so headless mode still prints its summary
/// when interrupted, and counts them, so a later signal (during the exporters' shutdown)
/// can end that wait at once.
final class SignalWatcher: Sendable {
    /// Kept in a mutex only because Dispatch's sources are not marked Sendable.
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let counter = SignalCounter()

    init(onSignal: @escaping @Sendable () -> Void) {
        let counter = self.counter
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                onSignal()
                counter.fire()
            }
            s.resume()
            made.append(s)
        }
        sources = Mutex(made)
    }

    /// Signals received so far.
    var received: Int { counter.received }

    /// Returns once a signal arrived (before or after the call).
    func wait() async { await counter.waitForSignal(beyond: 0) }

    /// Returns once more than `count` signals arrived in all.
    func waitForSignal(beyond count: Int) async { await counter.waitForSignal(beyond: count) }

    /// Stops watching.
    func cancel() {
        sources.withLock { for s in $0 { s.cancel() } }
    }
}

/// Counts signals and wakes those waiting for the n-th.
final class SignalCounter: Sendable {
    private let state = Mutex<(count: Int, waiters: [(beyond: Int, continuation: CheckedContinuation<Void, Never>)])>(
        (0, []))

    var received: Int { state.withLock { $0.count } }

    func fire() {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.count += 1
            let count = s.count
            let ready = s.waiters.filter { $0.beyond < count }.map(\.continuation)
            s.waiters.removeAll { $0.beyond < count }
            return ready
        }
        for c in ready { c.resume() }
    }

    func waitForSignal(beyond count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.count > count { return true }
                s.waiters.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }
}

/// A one-shot result settled by whichever of several parties finishes first (the
/// exporters' shutdown thread, or a signal); later results are ignored.
final class FirstOf<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, settled: Bool, waiter: CheckedContinuation<Value, Never>?)>((nil, false, nil))

    /// Settles with `value` unless already settled.
    func finish(_ value: Value) {
        let waiter = state.withLock { s -> CheckedContinuation<Value, Never>? in
            guard !s.settled else { return nil }
            s.settled = true
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    /// The first value given (waits for it). Call once.
    func value() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let ready = state.withLock { s -> Value? in
                if s.settled { return s.value }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
