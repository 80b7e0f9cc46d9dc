import ArgumentParser
import CharmTelemetry
import CharmWire
import Foundation

/// Decoder throughput on a generated stream, in each framing.
struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "StreamDecoder throughput per framing.")

    @Option(help: "Events in the generated stream.")
    var events = 1_000_000

    /// A realistic mix: mostly tokens, some tool calls and statuses, all structured.
    static func generate(events: Int, framing: Framing, runs: Int = 4) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events * 260)
        let base = Timestamp.now()
        for i in 0..<events {
            let run = "run_\(i % max(1, runs))"
            let ts = Timestamp(microseconds: base.microseconds + Int64(i) * 10)
            let payload: TelemetryEvent.Payload
            switch i % 10 {
            case 0: payload = .toolStart(toolName: "web_search", input: #"{"query": "東京の天気"}"#)
            case 1: payload = .toolEnd(toolName: "web_search", output: "晴れ ☀️ 18°C")
            case 2: payload = .agentAction(tool: "calculator", toolInput: "2+2")
            default: payload = .llmNewToken(token: " token\(i % 100)")
            }
            let e = TelemetryEvent(seq: UInt64(i + 1), timestamp: ts, runID: run, callID: i % 10 < 2 ? "call_\(i / 10)" : nil, payload: payload)
            guard let (type, content) = CharmProtocol.line(for: payload, runID: run) else { continue }
            var line = CharmEmitter.line(type: type, payload: ["content": .string(content)], telemetry: e.telemetryObject)
            switch framing {
            case .prefixed: break
            case .ndjson: line.removeFirst(CharmProtocol.eventPrefix.utf8.count)
            case .sse:
                line.removeFirst(CharmProtocol.eventPrefix.utf8.count)
                line.insert(contentsOf: Array("data: ".utf8), at: 0)
                line.append(0x0A)
            }
            out.append(contentsOf: line)
        }
        return out
    }

    @Option(help: "Timed passes over each stream; the best is reported (the others are noise from the machine).")
    var passes = 5

    @OptionGroup var output: OutputOptions

    func run() throws {
        var out = output.output("decode")
        out.set("events", .int(Int64(events)))
        out.line("decode: \(events) structured events per framing, 64 KiB reads, best of \(passes) passes")
        out.line("framing        MB/s     events/s   (median events/s)")
        for (framing, parallel) in [(Framing.prefixed, false), (.sse, false), (.ndjson, false), (.prefixed, true), (.sse, true), (.ndjson, true)] {
            if parallel && framing == .prefixed {
                out.line("with parallelParsing (JSON lines of each 64 KiB read parsed on two threads):")
            }
            let bytes = Self.generate(events: events, framing: framing)
            var times: [Double] = []
            for _ in 0..<max(1, passes) {
                var decoder = StreamDecoder(sourceName: "bench")
                decoder.parallelParsing = parallel
                var count = 0
                let t0 = monotonicNanos()
                bytes.withUnsafeBytes { raw in
                    var off = 0
                    while off < raw.count {
                        let end = min(raw.count, off + 65_536)
                        decoder.feed(UnsafeRawBufferPointer(rebasing: raw[off..<end])) { r in
                            if case .event = r { count += 1 }
                        }
                        off = end
                    }
                }
                decoder.finish { r in if case .event = r { count += 1 } }
                times.append(Double(monotonicNanos() - t0) / 1e9)
                precondition(count == events, "decoded \(count) of \(events)")
            }
            times.sort()
            let best = times[0], median = times[times.count / 2]
            out.line(framing.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + format(Double(bytes.count) / best / 1e6, 1).leftPad(9) + format(Double(events) / best).leftPad(13)
                  + format(Double(events) / median).leftPad(13))
            out.add("ours", [
                "framing": .string(framing.rawValue), "parallel": .bool(parallel),
                "mb_per_s": .double(Double(bytes.count) / best / 1e6), "events_per_s": .double(Double(events) / best),
                "median_events_per_s": .double(Double(events) / median),
            ])
        }
        out.finish()
    }
}
