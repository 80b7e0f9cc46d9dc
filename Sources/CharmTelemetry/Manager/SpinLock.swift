#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A lock of one atomic word, for the dispatch ring's short critical sections that never
/// block (a few loads and stores, one event copied or swapped).
///
/// Used instead of `Mutex` there for two reasons. Its uncontended cost is one compare-exchange
/// and one store, with no thread-id lookup. And every acquire and release is an atomic the
/// thread sanitizer sees: `Mutex` on Linux hands a contended lock over inside the kernel (a
/// priority-inheriting futex, in an uninstrumented library), so under contention the sanitizer
/// sees no happens-before edge and reports the data it guards as raced. Acquire is an
/// acquiring compare-exchange, release a releasing store: what one holder wrote is visible to
/// the next. A waiter spins briefly, then yields the processor, in case the holder was
/// preempted (there are two cores, and more threads).
struct SpinLock: ~Copyable {
    private let word = Atomic<Bool>(false)

    init() {}

    @inline(__always)
    borrowing func lock() {
        if word.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return }
        lockSlowly()
    }

    @inline(never)
    private borrowing func lockSlowly() {
        var spins = 0
        while true {
            // Test before test-and-set: waiters read the shared line instead of writing it.
            if !word.load(ordering: .relaxed),
                word.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            if spins > 32 { sched_yield() }
        }
    }

    @inline(__always)
    borrowing func unlock() { word.store(false, ordering: .releasing) }
}

/// A value guarded by a `SpinLock`: the manager's and the workers' shared state, which the
/// dispatch ring's stress run checks under the thread sanitizer (see `SpinLock` for why not
/// `Mutex`). Every critical section is a few field updates and never blocks.
///
/// `@unchecked Sendable`: the value is only reached inside `withLock`.
final class SpinLocked<Value>: @unchecked Sendable {
    private let spin = SpinLock()
    /// Behind a pointer, not a stored `var`, so an access has no dynamic exclusivity check.
    private let value: UnsafeMutablePointer<Value>

    init(_ initial: Value) {
        value = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        value.initialize(to: initial)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        spin.lock()
        defer { spin.unlock() }
        return try body(&value.pointee)
    }
}
