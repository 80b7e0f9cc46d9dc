#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmSources
import CharmTelemetry
import Foundation
import Synchronization
import CharmTestSupport
import Testing

@Suite("Sources: files", .blocksThreads)
struct SourceFileTests {
    func append(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        writeAll(fd, text)
        close(fd)
    }

    func append(_ path: String, bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        writeAll(fd, bytes)
        close(fd)
    }

    @Test("a followed file survives appends, rotation, truncation and vanishing; garbage costs nothing")
    func followRotateTruncate() async throws {
        let path = temporaryPath("agent.log")
        append(path, tokenLine(run: "R", seq: 1, token: "1"))
        // Each step happens while the source is parked between two polls, then one poll runs:
        // no sleep has to be long enough.
        let gate = PollGate()
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, followPoll: gate.wait)
        defer {
            hub.stop()
            gate.openForever()
        }
        func poll() async -> Bool {
            gate.release()
            return await gate.reachedPoll()
        }
        try await hub.start(.file(path: path, follow: true, replaySpeed: nil))
        let name = "file:\(path)"
        #expect(await gate.reachedPoll())
        #expect(sink.hookEvents(name).count == 1)
        append(path, bytes: garbage)
        // Half a line, read and held; then the rest: no event is split.
        let line2 = tokenLine(run: "R", seq: 2, token: "2")
        append(path, String(line2.prefix(20)))
        #expect(await poll())
        #expect(sink.hookEvents(name).count == 1)
        append(path, String(line2.dropFirst(20)))
        #expect(await poll())
        #expect(sink.hookEvents(name).count == 2)
        // Rotation: move away, write to the old file after the move, and a new file at the path.
        rename(path, path + ".1")
        append(path + ".1", tokenLine(run: "R", seq: 3, token: "3"))
        append(path, tokenLine(run: "R", seq: 4, token: "4"))
        #expect(await poll())
        #expect(sink.hookEvents(name).count == 4)
        // Truncation in place, seen empty; then new content.
        truncate(path, 0)
        #expect(await poll())
        append(path, tokenLine(run: "R", seq: 5, token: "5"))
        #expect(await poll())
        let tokens = sink.hookEvents(name).map { e -> String in
            if case .llmNewToken(let t) = e.payload { t } else { "?" }
        }
        #expect(tokens == ["1", "2", "3", "4", "5"])
        // Vanishing is shown as waiting, not as the end; the file coming back is read.
        unlink(path)
        #expect(await poll())
        #expect(sink.entry(name).phases.last == .waiting)
        append(path, tokenLine(run: "R", seq: 6, token: "6"))
        #expect(await poll())
        #expect(await poll())
        #expect(sink.hookEvents(name).count == 6)
    }

    @Test("copytruncate refilled past the old size between two polls loses no line")
    func copyTruncateRefilledBetweenPolls() async throws {
        let path = temporaryPath("copytruncate.log")
        for seq in 1...3 { append(path, tokenLine(run: "C", seq: seq, token: "\(seq)")) }
        let gate = PollGate()
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, followPoll: gate.wait)
        defer {
            hub.stop()
            gate.openForever()
        }
        try await hub.start(.file(path: path, follow: true, replaySpeed: nil))
        let name = "file:\(path)"
        // The source has read to the end and waits for its next poll.
        #expect(await gate.reachedPoll())
        #expect(sink.hookEvents(name).count == 3)
        let oldSize = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        // Between two polls: copy away, truncate in place, refill well past the old size.
        _ = try? FileManager.default.removeItem(atPath: path + ".1")
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        truncate(path, 0)
        for seq in 4...12 { append(path, tokenLine(run: "C", seq: seq, token: "\(seq)")) }
        let newSize = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(newSize > oldSize)
        gate.release()
        #expect(await gate.reachedPoll())
        let tokens = sink.hookEvents(name).map { e -> String in
            if case .llmNewToken(let t) = e.payload { t } else { "?" }
        }
        #expect(tokens == (1...12).map(String.init))
        // Nothing but whole events: a read from the old offset would have cut a line.
        #expect(sink.entry(name).records.count == 12)
    }

    @Test("a missing file fails that source and the others go on")
    func missingFile() async throws {
        let good = temporaryPath("good.log")
        append(good, tokenLine(run: "G", seq: 1, token: "g"))
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink)
        try await hub.start(.file(path: "/nonexistent/x.log", follow: false, replaySpeed: nil))
        try await hub.start(.file(path: good, follow: false, replaySpeed: nil))
        await hub.waitForFiniteSources()
        #expect(hub.openFailures == 1)
        #expect(sink.entry("file:/nonexistent/x.log").phases == [.failed])
        #expect(sink.hookEvents("file:\(good)").count == 1)
        #expect(sink.entry("file:\(good)").phases.last == .ended)
    }

    @Test("replay paces events by their telemetry timestamps")
    func replay() async throws {
        let path = temporaryPath("replay.log")
        // Three events 100 ms apart (tokenLine spaces seq by 1 ms, so use seq 0, 100, 200).
        for seq in [0, 100, 200] { append(path, tokenLine(run: "P", seq: seq, token: "t")) }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink)
        let start = Date()
        try await hub.start(.file(path: path, follow: false, replaySpeed: 2))
        await hub.waitForFiniteSources()
        let elapsed = Date().timeIntervalSince(start)
        #expect(sink.hookEvents("file:\(path)").count == 3)
        #expect(elapsed >= 0.09)  // 200 ms of event time at 2x
        // Only "it finished": under a loaded CI the pace can stretch, never shrink below the bound
        // above. 30 s was not enough room: a full suite at load 11 on 2 cores took 31.4 s here
        // (every test in that run waited ~30 s for a thread, 0.1 s alone).
        #expect(elapsed < 120)
    }

    @Test("stop() releases waitForFiniteSources at once, whether it was already waiting or comes after")
    func stopReleasesWaiters() async throws {
        let path = temporaryPath("never-ends.log")
        append(path, tokenLine(run: "S", seq: 1, token: "s"))
        let sink = CollectingSink()
        // The reader parks at its first poll until the end of the test, so it is still
        // running after stop(): only stop() itself can let the waiters go.
        let parked = DispatchSemaphore(value: 0)
        defer { parked.signal() }
        let hub = SourceHub(sink: sink, followPoll: { parked.wait(); parked.signal() })
        try await hub.start(.file(path: path, follow: true, replaySpeed: nil))
        // The waiters run apart, so one that stop() forgot fails the test instead of hanging it.
        let before = Counter()
        Task { await hub.waitForFiniteSources(); before.add() }
        #expect(await eventually { sink.hookEvents("file:\(path)").count == 1 })
        #expect(before.value == 0)
        hub.stop()
        #expect(await eventually { before.value == 1 }, "a waiter from before stop() is released")
        let after = Counter()
        Task { await hub.waitForFiniteSources(); after.add() }
        #expect(await eventually { after.value == 1 }, "a waiter after stop() returns at once")
    }
}

/// Counts, from any thread.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add() { count.add(1, ordering: .relaxed) }
}
