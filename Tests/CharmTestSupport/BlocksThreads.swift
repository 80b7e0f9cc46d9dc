import Foundation
import Testing

/// Runs tests that block their thread (running a process to its end, polling tmux with
/// `Thread.sleep`, waiting on a semaphore) on threads of their own instead of Swift's
/// cooperative pool.
///
/// Why: on Linux the cooperative pool has one thread per core and never grows, and Swift
/// Testing starts every suite at once. On a 2-core machine two blocking tests took both
/// threads, and every quick test, and every `await` in an async test, waited behind them:
/// 470 unit tests that take milliseconds reported 37 s, and a test whose batch delay was
/// 30 s failed in CI because its task resumed too late. With this trait the quick tests
/// keep the cooperative pool, and a blocking test can only hold up other blocking tests.
///
/// The executor has a fixed width (`BlockingTestExecutor.width` threads), so the heavy
/// end-to-end tests still run a few at a time rather than all at once on 2 cores.
public struct BlocksThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Only each test case is moved; a suite has no body of its own to run.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(BlockingTestExecutor.shared) { try await function() }
    }
}

extension Trait where Self == BlocksThreadsTrait {
    /// The suite's tests block their thread; run them on `BlockingTestExecutor`.
    public static var blocksThreads: Self { BlocksThreadsTrait() }
}

/// A task executor of a few plain threads that take jobs from one queue.
///
/// A job runs to its next suspension point on whichever thread took it; a test that blocks
/// holds that thread, exactly as it held a cooperative thread before, but here the others
/// are not starved.
public final class BlockingTestExecutor: TaskExecutor, @unchecked Sendable {
    /// Blocking tests at once: two more than the cores a CI machine has, so a waiting test
    /// does not hold up the next, without oversubscribing the machine with subprocesses.
    public static let width = 4
    /// The one executor every blocking suite shares.
    public static let shared = BlockingTestExecutor(width: width)

    // `jobs` is guarded by `condition`'s lock; threads sleep on it when the queue is empty.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    private init(width: Int) {
        for i in 0..<width {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "blocking-test-\(i)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
