import CharmTelemetry
import Foundation
import CharmTestSupport
import Testing

@testable import CharmExporters

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parts a plugin process is made of, each on its own: the restart policy (a value) and
/// the line channel (a value), without threads or children.
@Suite("plugin parts: restart policy and line channel", .blocksThreads)
struct PluginPartsTests {
    private static func policy(maxRestarts: Int? = nil, after: RestartPolicy.AfterGivingUp = .stayDown) -> RestartPolicy {
        RestartPolicy(
            backoff: Backoff(initial: .milliseconds(500), cap: .seconds(4), jitter: false), stableAfter: .seconds(10),
            maxRestarts: maxRestarts, afterGivingUp: after)
    }

    @Test("restart delays double from the first and stop at the cap; without a limit it never gives up")
    func restartDelaysGrowAndCap() {
        let p = Self.policy()
        let waits = (1...8).map { p.decision(afterExit: $0) }
        let expected = [500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000, 4_000].map {
            RestartPolicy.Decision.restart(after: .milliseconds($0))
        }
        #expect(waits == expected)
        #expect(p.decision(afterExit: 1_000_000) == .restart(after: .seconds(4)))
    }

    @Test("a stable run starts the count again; a short one adds to it")
    func stableRunResetsTheCount() {
        let p = Self.policy()
        #expect(p.exitsInARow(after: 0, ranFor: .milliseconds(10)) == 1)
        #expect(p.exitsInARow(after: 5, ranFor: .seconds(9)) == 6)
        #expect(p.exitsInARow(after: 5, ranFor: .seconds(10)) == 1)
        #expect(p.decision(afterExit: p.exitsInARow(after: 5, ranFor: .seconds(60))) == .restart(after: .milliseconds(500)))
    }

    @Test("after maxRestarts restarts in a row it gives up: down for good, or a rest before starting again")
    func givesUpAfterMaxRestarts() {
        let down = Self.policy(maxRestarts: 3)
        let restarts: [RestartPolicy.Decision] = [
            .restart(after: .milliseconds(500)), .restart(after: .seconds(1)), .restart(after: .seconds(2)),
        ]
        #expect((1...3).map { down.decision(afterExit: $0) } == restarts)
        #expect(down.decision(afterExit: 4) == .stayDown)
        #expect(down.decision(afterExit: 9) == .stayDown)
        let resting = Self.policy(maxRestarts: 1, after: .retry(after: .seconds(300)))
        #expect(resting.decision(afterExit: 1) == .restart(after: .milliseconds(500)))
        #expect(resting.decision(afterExit: 2) == .rest(.seconds(300)))
        #expect(Self.policy(maxRestarts: 0).decision(afterExit: 1) == .stayDown, "0: never restarted")
        #expect(Self.policy(maxRestarts: -2).maxRestarts == 0)
    }

    @Test("the channel is bounded: a full buffer drops and counts, and frees room as lines are written")
    func channelIsBounded() {
        var c = LineChannel(capacity: 3)
        let offered = (1...5).map { c.offer([UInt8(48 + $0)]) }
        #expect(offered == [true, true, true, false, false])
        #expect(c.pending == 3)
        #expect(c.dropped == 2)
        let none = c.takeForWriting()
        #expect(none == nil, "no pipe yet: nothing to write, lines wait")
        c.attach(Self.devNull())
        let first = c.takeForWriting()
        #expect(c.pending == 3, "the line in flight still counts as pending")
        // The capacity bounds the lines waiting; the one being written has left the queue.
        let intoFreedPlace = c.offer([0x39])
        let overCapacity = c.offer([0x39])
        #expect(intoFreedPlace && !overCapacity)
        #expect(c.pending == 4, "three waiting and one in flight")
        c.finishWrite(first!, ok: true)
        #expect(c.pending == 3)
        #expect(c.dropped == 3)
        c.closeStdin()
    }

    @Test("lines leave in the order they came, each with its newline")
    func channelKeepsOrder() {
        var c = LineChannel(capacity: 100)
        c.attach(Self.devNull())
        for i in 0..<50 { c.offer(Array("line \(i)".utf8)) }
        var out: [String] = []
        while let f = c.takeForWriting() {
            out.append(String(decoding: f.line, as: UTF8.self))
            c.finishWrite(f, ok: true)
        }
        #expect(out == (0..<50).map { "line \($0)\n" })
        #expect(c.written == 50)
        #expect(c.generationWritten == 50)
        #expect(c.isDrained)
        c.closeStdin()
    }

    @Test("a line in flight when its process dies is dropped and counted; the rest wait for the next process")
    func channelCountsLinesLostWithTheProcess() {
        var c = LineChannel(capacity: 10)
        let (readEnd, writeEnd) = Self.pipePair()
        defer { close(readEnd) }
        c.attach(writeEnd)
        for i in 0..<3 { c.offer([UInt8(48 + i)]) }
        let flight = c.takeForWriting()!
        // The process dies and is restarted while the line is being written.
        c.closeStdin()
        #expect(Self.readEndSees(readEnd) == .open, "not closed under the write that uses it")
        c.attach(Self.devNull())
        c.finishWrite(flight, ok: true)
        #expect(Self.readEndSees(readEnd) == .end, "closed once the write is over")
        #expect(c.dropped == 1)
        #expect(c.written == 0)
        // A write that fails closes that pipe: the writer waits for the next process.
        let next = c.takeForWriting()!
        #expect(next.line == [0x31, 0x0A], "the next line goes to the new process")
        c.finishWrite(next, ok: false)
        #expect(c.stdinFD < 0)
        #expect(c.dropped == 2)
        #expect(c.pending == 1)
        #expect(!c.hasWork)
    }

    @Test("an abandoned channel drops what waits and what comes, counting each")
    func abandonedChannelDrops() {
        var c = LineChannel(capacity: 10)
        for i in 0..<4 { c.offer([UInt8(48 + i)]) }
        c.abandon()
        #expect(c.pending == 0)
        #expect(c.dropped == 4)
        let taken = c.offer([0x30])
        #expect(!taken)
        #expect(c.dropped == 5)
    }

    @Test("a plugin that keeps exiting is given up on after maxRestarts, stays down, and says so")
    func givesUpOnACrashingPlugin() throws {
        let dir = try PluginFixture.tempDir("charm-giveup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try PluginFixture.script(dir, "charm-telemetry-giveup", "#!/bin/sh\nexit 3\n")
        let exporter = ExecPluginExporter(
            name: "giveup", executable: path, environment: PluginFixture.environment,
            options: .init(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(40), maxRestarts: 2))
        defer { exporter.shutdown() }
        #expect(PluginFixture.waitUntil {
            (exporter.status.lastError ?? "").hasPrefix("exited with status 3, gave up after 2 restarts in a row")
        })
        #expect(exporter.status.health == .failing)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(exporter.restarts == 2, "no restart after giving up")
        #expect(exporter.processID == nil)
        let before = exporter.status.dropped
        try exporter.handle(TelemetryEvent(seq: 1, timestamp: .now(), runID: "r", payload: .llmNewToken(token: "x")))
        #expect(exporter.status.dropped == before + 1, "a line for a plugin given up on is dropped and counted")
        #expect(exporter.status.buffered == 0)
    }

    private enum PipeEnd { case open, end }

    /// What a non-blocking read of an empty pipe's read end says: still open somewhere, or ended.
    private static func readEndSees(_ fd: Int32) -> PipeEnd {
        var b: UInt8 = 0
        return read(fd, &b, 1) == 0 ? .end : .open
    }

    /// A pipe whose read end does not block.
    private static func pipePair() -> (Int32, Int32) {
        var p: [Int32] = [0, 0]
        _ = pipe(&p)
        _ = fcntl(p[0], F_SETFL, O_NONBLOCK)
        return (p[0], p[1])
    }

    /// A write end nobody minds being written to.
    private static func devNull() -> Int32 { open("/dev/null", O_WRONLY | O_CLOEXEC) }
}
