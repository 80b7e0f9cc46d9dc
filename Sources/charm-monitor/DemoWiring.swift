/// Where `--demo` gets its bytes: the simulated agent of the CharmDemo module, once it has a
/// public API. Until then there is no stream and `--demo` is a usage error.
enum DemoWiring {
    /// The demo agent's stdout as a byte stream, or nil when the demo is not built.
    static func makeStream() -> AsyncStream<[UInt8]>? { nil }
}
