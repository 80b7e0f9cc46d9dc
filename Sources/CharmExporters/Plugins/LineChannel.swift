import DequeModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lines on their way from the exporter to the plugin's stdin: a bounded FIFO, the pipe
/// they go into, and the one line being written.
///
/// A value with no lock of its own: `PluginProcess` keeps it under its condition, and its
/// writer thread does the `write(2)` between `takeForWriting()` and `finishWrite(ok:)` with
/// the lock released. What it settles is what must not be got wrong under that dance: a
/// full buffer drops and counts instead of growing, lines leave in the order they came, a
/// line in flight when its process dies is counted as dropped, and a pipe is never closed
/// under the write that is using it (its number could be reused by another file meanwhile).
struct LineChannel {
    /// Lines waiting beyond this many are dropped and counted.
    let capacity: Int
    private var queue = Deque<[UInt8]>()
    /// The current process's stdin, or -1 while there is none (down, or closed to stop it).
    private(set) var stdinFD: Int32 = -1
    /// Which process `stdinFD` belongs to: a write that finishes after a restart belongs to
    /// the old one.
    private(set) var generation = 0
    /// The pipe the writer is writing to right now, or -1.
    private var writingFD: Int32 = -1
    private var closeAfterWrite = false
    /// Lines written to the current process (what its acks are compared with).
    private(set) var generationWritten = 0
    /// Lines written across restarts.
    private(set) var written = 0
    /// Lines dropped: refused by a full buffer or an abandoned channel, waiting when it was
    /// abandoned, or in flight when their process died.
    private(set) var dropped = 0
    /// Set by `abandon()`: no line will be written again.
    private(set) var isAbandoned = false

    /// A channel holding at most `capacity` waiting lines (at least one).
    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Lines waiting, counting the one being written.
    var pending: Int { queue.count + (isWriting ? 1 : 0) }
    /// Whether every line given has been written or dropped.
    var isDrained: Bool { queue.isEmpty && !isWriting }
    /// Whether a line is being written.
    var isWriting: Bool { writingFD >= 0 }
    /// Whether the writer has something to do: a line and a pipe to write it to.
    var hasWork: Bool { !queue.isEmpty && stdinFD >= 0 }
    /// Whether lines are waiting (written or not).
    var isEmpty: Bool { queue.isEmpty }

    /// Queues `line` plus its newline; returns false (and counts a drop) when the buffer is
    /// full or the channel abandoned.
    @discardableResult
    mutating func offer(_ line: [UInt8]) -> Bool {
        guard queue.count < capacity && !isAbandoned else {
            dropped += 1
            return false
        }
        var l = line
        l.append(0x0A)
        queue.append(l)
        return true
    }

    /// A new process's stdin: later writes go to it, and its written count starts at 0.
    mutating func attach(_ fd: Int32) {
        generation += 1
        stdinFD = fd
        generationWritten = 0
    }

    /// Closes the current stdin, or leaves that to the writer if it is writing to it.
    /// Waiting lines stay, for the next process.
    mutating func closeStdin() {
        guard stdinFD >= 0 else { return }
        if writingFD == stdinFD { closeAfterWrite = true } else { close(stdinFD) }
        stdinFD = -1
    }

    /// Gives up on the plugin: the waiting lines are dropped and counted, and so is every
    /// line offered from now on (a line in flight still finishes).
    mutating func abandon() {
        isAbandoned = true
        dropped += queue.count
        queue.removeAll()
    }

    /// What the writer writes next (the oldest line, to the current pipe), marked in flight;
    /// nil when there is no line or no pipe.
    mutating func takeForWriting() -> InFlight? {
        guard hasWork, let line = queue.popFirst() else { return nil }
        writingFD = stdinFD
        return InFlight(line: line, fd: stdinFD, generation: generation)
    }

    /// Records how the write of `flight` went: counted as written if it all went to a process
    /// that is still the current one, else dropped (and a pipe that failed is closed).
    mutating func finishWrite(_ flight: InFlight, ok: Bool) {
        writingFD = -1
        if closeAfterWrite {
            close(flight.fd)
            closeAfterWrite = false
        }
        if ok && flight.generation == generation {
            written += 1
            generationWritten += 1
        } else {
            // The process died with this line in flight: it is lost, and said so.
            dropped += 1
            if flight.generation == generation && stdinFD == flight.fd { closeStdin() }
        }
    }

    /// A line handed to the writer.
    struct InFlight {
        /// The bytes, newline included.
        var line: [UInt8]
        /// The pipe to write them to.
        var fd: Int32
        /// The process that pipe belongs to.
        var generation: Int
    }
}
