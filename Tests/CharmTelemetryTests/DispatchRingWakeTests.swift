import Dispatch
import Foundation
import Synchronization
import Testing

@testable import CharmTelemetry

/// Counts what it is handed, and signals each event.
private final class Counter: TelemetryExporter, Sendable {
    let got = DispatchSemaphore(value: 0)
    func handle(_ event: TelemetryEvent) { got.signal() }
}

/// Waits (generously) until `condition` holds; false if it never did.
private func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return false
}

@Suite("A sleeping worker is woken by a dispatch alone")
struct DispatchRingWakeTests {
    @Test("one dispatch reaches a worker asleep, with no flush to wake it")
    func dispatchWakesSleeper() {
        let m = TelemetryManager(
            registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil)
        let c = Counter()
        m.add(c, named: "c")
        #expect(eventually { m.sleepingWorkers == 1 }, "the idle worker goes to sleep")
        m.dispatch(.llmNewToken(token: "t"), runID: "r")
        #expect(c.got.wait(timeout: .now() + 30) == .success)
    }

    @Test("flushes that wake a sleeping worker do not list it again")
    func flushesDoNotDuplicateSleepers() {
        let m = TelemetryManager(
            registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil)
        m.add(Counter(), named: "c")
        for _ in 0..<3 {
            #expect(eventually { m.sleepingWorkers >= 1 })
            #expect(m.flush(timeout: .seconds(30)).complete)
        }
        // Asleep again after the last flush: listed once.
        usleep(200_000)
        #expect(eventually { m.sleepingWorkers >= 1 })
        #expect(m.sleepingWorkers == 1)
    }
}
