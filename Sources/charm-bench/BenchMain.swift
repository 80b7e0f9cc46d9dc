import ArgumentParser

/// `charm-bench`: the project's benchmarks. Performance is measured here, never in tests.
@main
struct CharmBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charm-bench",
        abstract: "Benchmarks for charm-telemetry, each beside its peer measured in the same run.",
        subcommands: [DispatchBench.self, DecodeBench.self, IngestBench.self, OTLPBench.self, OTLPReceiveBench.self, SinkCommand.self, StepBench.self])
}
