import ArgumentParser
import CharmMonitorCore
import CharmTelemetry

/// Stepping through a run of a replayed file (`[` `]` in the monitor): how long the history
/// takes to build, the first step, a jump to the end, and single steps back and at random,
/// each step back beside the naive way (replaying the session from its start).
struct StepBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Stepping ([ ]) through a run of a generated replayed file: steps back with checkpoints, against a replay from the start.")

    @OptionGroup var generated: GeneratedFileOptions

    @Option(help: "Steps back, and random steps, measured.")
    var steps = 50

    @OptionGroup var output: OutputOptions

    func run() throws {
        var out = output.output("step")
        let (events, runs) = (generated.events, generated.runs)
        let bytes = DecodeBench.generate(events: events, framing: .ndjson, runs: runs)
        out.set("events", .int(Int64(events)))
        out.line("step: \(events) NDJSON events (\(format(Double(bytes.count) / 1e6, 1)) MB) over \(runs) run(s)")

        func seconds(_ body: () -> Void) -> Double {
            let start = monotonicNanos()
            body()
            return Double(monotonicNanos() - start) / 1e9
        }
        var history: StepHistory!
        let load = seconds { history = StepHistory.files([(path: "bench.ndjson", bytes: bytes)], limits: .standard, prices: .builtin) }
        let stepped: Set<String> = ["run_0"]
        var view: SteppingView!
        let first = seconds { view = SteppingView(runID: "run_0", runs: stepped, history: history, step: 1) }
        let total = view.total
        let end = seconds { view.move(to: total, in: history) }
        var back: [UInt64] = []
        for _ in 0..<steps {
            let start = monotonicNanos()
            view.move(to: view.step - 1, in: history)
            back.append(monotonicNanos() - start)
        }
        var random: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<steps {
            let target = Int.random(in: 1...total, using: &generator)
            let start = monotonicNanos()
            view.move(to: target, in: history)
            random.append(monotonicNanos() - start)
        }
        // The peer: one step back done by replaying the session from its start (no checkpoints).
        let naive = seconds { _ = SteppingView(runID: "run_0", runs: stepped, history: history, step: total - 1) }
        let b = Percentiles(back), r = Percentiles(random)
        out.line("history built (decode)      " + format(load, 3) + " s")
        out.line("first ] (step 1 of \(total))    " + format(first * 1e3, 1) + " ms")
        out.line("jump to the last step        " + format(end, 3) + " s")
        out.line("[ one step back              median " + format(b.p50 / 1e6, 2) + " ms, max " + format(b.max / 1e6, 2) + " ms")
        out.line("random step                  median " + format(r.p50 / 1e6, 2) + " ms, max " + format(r.max / 1e6, 2) + " ms")
        out.line("step back by a full replay   " + format(naive * 1e3, 1) + " ms (the peer)")
        out.line("peak RSS                     " + format(peakRSSMiB(), 1) + " MiB")
        out.set("steps", .int(Int64(total)))
        out.set("history_s", .double(load))
        out.set("first_step_ms", .double(first * 1e3))
        out.set("to_last_step_s", .double(end))
        out.set("step_back_ms", .object(["p50": .double(b.p50 / 1e6), "max": .double(b.max / 1e6)]))
        out.set("random_step_ms", .object(["p50": .double(r.p50 / 1e6), "max": .double(r.max / 1e6)]))
        out.set("full_replay_step_back_ms", .double(naive * 1e3))
        out.set("peak_rss_mib", .double(peakRSSMiB()))
        out.finish()
    }
}

/// The generated NDJSON file `ingest` and `step` work on (`DecodeBench.generate`).
struct GeneratedFileOptions: ParsableArguments {
    @Option(help: "Events in the generated file.")
    var events = 1_000_000

    @Option(help: "Concurrent runs the events are spread over (1 = one run streaming tokens).")
    var runs = 4
}
