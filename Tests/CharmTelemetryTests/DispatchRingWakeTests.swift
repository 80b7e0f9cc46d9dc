import Dispatch
import Foundation
import Synchronization
import CharmTestSupport
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

@Suite("A sleeping worker is woken by a dispatch alone", .blocksThreads)
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

/// Signals when the manager shuts it down.
private final class ShutdownProbe: TelemetryExporter, Sendable {
    let down = DispatchSemaphore(value: 0)
    func handle(_ event: TelemetryEvent) {}
    func shutdown() { down.signal() }
}

@Suite("An exporter added after shutdown", .blocksThreads)
struct AddAfterShutdownTests {
    @Test("is shut down at once, its thread ended, and gets nothing")
    func addAfterShutdown() {
        let m = TelemetryManager(
            registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil)
        #expect(m.shutdown(timeout: .seconds(30)).complete)
        let late = ShutdownProbe()
        m.add(late, named: "late")
        #expect(late.down.wait(timeout: .now() + 30) == .success)
        m.dispatch(.llmNewToken(token: "t"), runID: "r")
        #expect(m.statistics()[0].delivered == 0)
        #expect(m.ringOccupancy == 0)
    }
}
