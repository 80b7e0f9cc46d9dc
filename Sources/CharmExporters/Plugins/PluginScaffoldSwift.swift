/// The files of a new Swift exporter package.
struct SwiftTemplate {
    let name: String
    let packagePath: String

    /// The dependency's package identity: SwiftPM names a path dependency by its last path
    /// component, lowercased, whatever its manifest calls itself.
    var identity: String { (packagePath.split(separator: "/").last.map(String.init) ?? "charm-telemetry").lowercased() }
    var type: String { PluginScaffold.typeName(name) }

    var files: [(String, String)] {
        [
            ("Package.swift", manifest),
            ("Sources/\(type)/\(type).swift", source),
            ("Tests/\(type)Tests/\(type)Tests.swift", test),
            ("README.md", readme),
            (".gitignore", ".build/\n.swiftpm/\n"),
        ]
    }

    var manifest: String {
        """
        // swift-tools-version: 6.0
        // A charm-telemetry exporter: `\(name)`, as charm.yaml's `runtime.telemetry` names it.
        import PackageDescription

        let package = Package(
            name: "charm-telemetry-\(name)",
            platforms: [.macOS(.v15)],
            products: [.library(name: "\(type)", targets: ["\(type)"])],
            dependencies: [.package(path: \(swiftLiteral(packagePath)))],
            targets: [
                .target(name: "\(type)", dependencies: [.product(name: "CharmTelemetry", package: "\(identity)")]),
                .testTarget(
                    name: "\(type)Tests",
                    dependencies: ["\(type)", .product(name: "CharmTelemetry", package: "\(identity)")]
                ),
            ]
        )

        """
    }

    var source: String {
        """
        import CharmTelemetry
        import Synchronization

        /// The `\(name)` exporter. `handle` runs on its own worker thread, one event at a time
        /// and in order, so it may block; each event carries its whole envelope (run id, parent
        /// run id, call id, sequence number, time) beside the hook's arguments.
        public final class \(type): TelemetryExporter {
            /// The name charm.yaml enables it by.
            public static let name = "\(name)"

            /// The registry entry: add it with `\(type).register()` at start-up.
            public static let descriptor = ExporterDescriptor(name: name, summary: "\(name) exporter") { _ in
                \(type)()
            }

            /// Registers the exporter so `TelemetryManager(enabledExporters: ["\(name)"])` finds it.
            public static func register(in registry: ExporterRegistry = .shared) {
                registry.register(descriptor)
            }

            private let calls = Mutex<[String]>([])

            /// A new exporter.
            public init() {}

            /// What `handle` received, one line per event.
            public var recorded: [String] { calls.withLock { $0 } }

            private func record(_ line: String) { calls.withLock { $0.append(line) } }

            /// Handles one event (replace the recording with your delivery).
            public func handle(_ event: TelemetryEvent) throws {
                switch event.payload {
                case .runStart: record("on_run_start \\(event.runID)")
                case .runEnd: record("on_run_end \\(event.runID)")
                case .error(let e): record("on_error \\(event.runID) \\(e.message)")
                case .toolStart(let name, let input): record("on_tool_start \\(name) \\(input)")
                case .toolEnd(let name, let output): record("on_tool_end \\(name) \\(output)")
                case .toolError(let name, let e): record("on_tool_error \\(name) \\(e.message)")
                case .llmNewToken(let token): record("on_llm_new_token \\(token)")
                case .agentAction(let tool, let input): record("on_agent_action \\(tool) \\(input)")
                case .llmCall(let call): record("llm_call \\(call.model ?? "")")
                }
            }
        }

        """
    }

    var test: String {
        """
        import CharmTelemetry
        import Testing
        @testable import \(type)

        @Test func eventsAreRecordedInOrder() throws {
            let exporter = \(type)()
            try exporter.handle(TelemetryEvent(seq: 1, timestamp: .now(), runID: "r1", payload: .runStart(inputs: [:])))
            try exporter.handle(
                TelemetryEvent(seq: 2, timestamp: .now(), runID: "r1", payload: .toolStart(toolName: "search", input: "q")))
            try exporter.handle(TelemetryEvent(seq: 3, timestamp: .now(), runID: "r1", payload: .runEnd(outputs: [:], status: nil)))
            #expect(exporter.recorded == ["on_run_start r1", "on_tool_start search q", "on_run_end r1"])
        }

        @Test func registers() {
            let registry = ExporterRegistry()
            \(type).register(in: registry)
            #expect(registry.names == ["\(name)"])
        }

        """
    }

    var readme: String {
        """
        # charm-telemetry-\(name)

        A charm-telemetry exporter in Swift. Register it at start-up with
        `\(type).register()`, then enable `\(name)` in charm.yaml's `runtime.telemetry` (or
        `--exporters \(name)`). Build and test with `swift build` and `swift test`.

        """
    }

    private func swiftLiteral(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
