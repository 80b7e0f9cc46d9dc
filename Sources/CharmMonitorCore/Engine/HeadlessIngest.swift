#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry

/// The ingest path without sockets or threads: read files to the end, decode, apply to an
/// engine, dispatch. Used by `charm-bench` to measure ingest speed, and usable by any tool
/// that wants the headless summary of some files.
public enum HeadlessIngest {
    /// What one ingest did.
    public struct Result: Sendable {
        /// Valid events read.
        public var events: Int
        /// Bytes read.
        public var bytes: Int
        /// Wall time from first read to last apply, in seconds.
        public var seconds: Double
        /// The headless summary (see docs/headless.md).
        public var summary: JSONValue
        /// Files that could not be opened or read, with the reason.
        public var failures: [String: String]

        /// Events per second.
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Reads every file in `paths` (one after another, each with its own decoder, named
    /// `file:PATH`) into `engine` (by default a new one with no exporters) and returns the
    /// counts, the time taken and the summary.
    public static func run(
        paths: [String], engine: MonitorEngine? = nil, chunkSize: Int = 1 << 20
    ) -> Result {
        let engine = engine ?? MonitorEngine(exporters: [], registry: ExporterRegistry())
        var bytes = 0
        var failures: [String: String] = [:]
        let clock = ContinuousClock()
        let started = clock.now
        var buffer = [UInt8](repeating: 0, count: max(4096, chunkSize))
        for path in paths {
            let source = SourceID("file:\(path)")
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                failures[path] = reason
                engine.sourceChanged(source, to: .failed, error: "cannot open \(path): \(reason)")
                continue
            }
            defer { close(fd) }
            engine.sourceChanged(source, to: .open)
            var decoder = StreamDecoder(sourceName: "file:\(path)")
            decoder.parallelParsing = true
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    failures[path] = reason
                    engine.sourceChanged(source, to: .failed, error: "read \(path): \(reason)")
                    break
                }
                if n == 0 { break }
                bytes += n
                buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                    engine.ingest(from: source) { apply in decoder.feed(chunk, apply) }
                }
            }
            engine.ingest(from: source) { apply in decoder.finish(apply) }
            if failures[path] == nil { engine.sourceChanged(source, to: .ended) }
        }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary = engine.headlessSummary()
        let events = engine.read { $0.counters.events }
        return Result(events: events, bytes: bytes, seconds: seconds, summary: summary, failures: failures)
    }
}
