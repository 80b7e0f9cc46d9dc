import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a stop request, so headless mode still prints its summary
/// when interrupted.
final class SignalWatcher: Sendable {
    /// Kept in a mutex only because Dispatch's sources are not marked Sendable.
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let latch = SignalLatch()

    init(onSignal: @escaping @Sendable () -> Void) {
        let latch = self.latch
        var made: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                onSignal()
                latch.fire()
            }
            s.resume()
            made.append(s)
        }
        sources = Mutex(made)
    }

    /// Returns once a signal arrived.
    func wait() async { await latch.wait() }

    /// Stops watching.
    func cancel() {
        sources.withLock { for s in $0 { s.cancel() } }
    }
}

/// A one-shot latch: `wait` returns once `fire` was called (before or after).
final class SignalLatch: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { s in
            s.fired = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let fired = state.withLock { s -> Bool in
                if s.fired { return true }
                s.waiters.append(c)
                return false
            }
            if fired { c.resume() }
        }
    }
}
