#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmDemo
import CharmTelemetry
import Foundation

/// `--demo`: the simulated agent of CharmDemo, run in-process.
///
/// The agent reports through its own `TelemetryManager` whose emitter writes the protocol
/// into a pipe instead of stdout; the pipe's other end becomes a byte stream for a `.demo`
/// source. So the demo travels the same path as a real agent's output: bytes, decoder,
/// model, exporters.
enum DemoWiring {
    /// The demo agent's output as a byte stream, or nil when a pipe cannot be made.
    static func makeStream(options: DemoOptions) -> AsyncStream<[UInt8]>? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        let (readFD, writeFD) = (fds[0], fds[1])
        let manager = TelemetryManager(
            enabledExporters: [], registry: ExporterRegistry(),
            emitter: CharmEmitterExporter(output: CharmOutput(fileDescriptor: writeFD)))
        Task.detached {
            await DemoAgent(manager: manager, options: options).run()
            // Everything the emitter still has queued goes into the pipe before it closes.
            manager.shutdown(timeout: .seconds(5))
            close(writeFD)
        }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                continuation.yield(Array(buffer[0..<n]))
            }
            close(readFD)
            continuation.finish()
        }
        reader.name = "charm-demo reader"
        reader.start()
        return stream
    }
}
