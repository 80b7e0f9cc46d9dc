// charm-ring-stress: the dispatch ring's concurrency under load, for the thread sanitizer.
//
// Depends only on CharmTelemetry, so a TSan build of it is small enough for CI
// (`scripts/tsan`). A tiny ring (64 slots) and a busy producer side make every race the
// design guards against frequent: readers copying slots the producers overwrite, workers
// lapped mid-batch, toggles, statistics, flushes and waiting producers all at once. Exits 1
// when an invariant breaks; the sanitizer aborts on a data race (`halt_on_error=1`).
import CharmTelemetry
import Dispatch
import Foundation
import Synchronization

/// Records sequence numbers; optionally slow, or throwing on some events.
final class Probe: TelemetryExporter, Sendable {
    let slow: Bool
    let throwsEvery: UInt64
    let seqs = Mutex<[UInt64]>([])

    init(slow: Bool = false, throwsEvery: UInt64 = 0) {
        self.slow = slow
        self.throwsEvery = throwsEvery
    }

    struct Refused: Error {}

    func handle(_ event: TelemetryEvent) throws {
        seqs.withLock { $0.append(event.seq) }
        if slow && event.seq % 16 == 0 { usleep(50) }
        if throwsEvery > 0 && event.seq % throwsEvery == 0 { throw Refused() }
    }
}

let arguments = CommandLine.arguments.dropFirst()
let rounds = arguments.first.flatMap { Int($0) } ?? 10
let perProducer = arguments.dropFirst().first.flatMap { Int($0) } ?? 5_000
let producers = 4
let failures = Mutex<[String]>([])

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { failures.withLock { $0.append(message()) } }
}

for round in 0..<rounds {
    var configuration = TelemetryManager.Configuration(queueCapacity: 64)
    configuration.ringCapacity = 64
    let m = TelemetryManager(
        registry: ExporterRegistry(), context: ExporterContext(environment: [:]), emitter: nil,
        configuration: configuration)
    let steady = Probe(), slow = Probe(slow: true), toggled = Probe(), throwing = Probe(throwsEvery: 3)
    m.add(steady, named: "steady")
    m.add(slow, named: "slow", queueCapacity: 16)
    m.add(toggled, named: "toggled")
    m.add(throwing, named: "throwing")

    let done = Atomic<Bool>(false)
    let group = DispatchGroup()
    func spawn(_ body: @escaping @Sendable () -> Void) {
        group.enter()
        Thread.detachNewThread {
            body()
            group.leave()
        }
    }
    for p in 0..<producers {
        spawn {
            for i in 0..<perProducer {
                // One producer behaves like a finite source: it waits for room first.
                if p == 0 && i % 64 == 0 { m.waitForRoom(8, upTo: .milliseconds(2)) }
                m.dispatch(.llmNewToken(token: "p\(p)"), runID: "r\(p)")
            }
        }
    }
    let background = DispatchGroup()
    func spawnBackground(_ body: @escaping @Sendable () -> Void) {
        background.enter()
        Thread.detachNewThread {
            while !done.load(ordering: .relaxed) { body() }
            background.leave()
        }
    }
    spawnBackground {
        m.disable("toggled")
        usleep(100)
        try? m.enable("toggled")
        usleep(100)
    }
    spawnBackground { _ = m.statistics() }
    spawnBackground {
        _ = m.flush(timeout: .milliseconds(50))
        usleep(500)
    }
    group.wait()
    done.store(true, ordering: .relaxed)
    background.wait()
    let report = m.shutdown(timeout: .seconds(60))
    check(report.complete, "round \(round): shutdown incomplete: \(report.unfinished)")

    let total = UInt64(producers * perProducer)
    let stats = Dictionary(uniqueKeysWithValues: m.statistics().map { ($0.name, $0) })
    for (name, probe) in [("steady", steady), ("slow", slow), ("toggled", toggled), ("throwing", throwing)] {
        let seqs = probe.seqs.withLock { $0 }
        check(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "round \(round): \(name) saw events out of order")
        guard let s = stats[name] else {
            check(false, "round \(round): no statistics for \(name)")
            continue
        }
        check(s.queued == 0, "round \(round): \(name) still queues \(s.queued) after shutdown")
        check(UInt64(seqs.count) == s.delivered + s.failed, "round \(round): \(name) handled \(seqs.count), counted \(s.delivered + s.failed)")
        let accounted = s.delivered + s.failed + s.dropped
        if name == "toggled" {
            check(accounted <= total, "round \(round): toggled accounted \(accounted) of \(total)")
        } else {
            check(accounted == total, "round \(round): \(name) accounted \(accounted) of \(total) (delivered \(s.delivered), failed \(s.failed), dropped \(s.dropped))")
        }
    }
    let lapped = stats["slow"]?.dropped ?? 0
    print("round \(round): \(total) events; slow exporter lapped \(lapped), steady \(stats["steady"]?.dropped ?? 0)")
}

let failed = failures.withLock { $0 }
if failed.isEmpty {
    print("charm-ring-stress: ok (\(rounds) rounds)")
} else {
    for f in failed { print("FAIL: \(f)") }
    exit(1)
}
