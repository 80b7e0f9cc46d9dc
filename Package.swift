// swift-tools-version: 6.0
// charm-telemetry: telemetry for AI-agent runs, compatible with Charm (charmos 0.5.2).
//
// Heavy dependencies (NIO, AsyncHTTPClient, swift-crypto, swift-protobuf) live only in the
// targets that need them, so the core library and the monitor's pure model build and test fast.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "charm-telemetry",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CharmTelemetry", targets: ["CharmTelemetry"]),
        .library(name: "CharmWire", targets: ["CharmWire"]),
        .library(name: "CharmExporters", targets: ["CharmExporters"]),
        .executable(name: "charm-monitor", targets: ["charm-monitor"]),
        .executable(name: "charm-demo", targets: ["charm-demo"]),
        .executable(name: "charm-bench", targets: ["charm-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The shared library: events, JSON values and writer, exporter protocol, manager,
        // emitter, charm.yaml.
        .target(
            name: "CharmTelemetry",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "DequeModule", package: "swift-collections"),
                "CCycleCounter",
            ],
            swiftSettings: strict
        ),
        // The processor's cycle counter (rdtsc), which Timestamp.now extrapolates the
        // wall clock from.
        .target(name: "CCycleCounter", path: "Sources/CCycleCounter"),
        // The wire format read back: the stream decoder (line splitting, frame recognition,
        // event-line parsing, legacy interpretation) and the JSON parser.
        .target(name: "CharmWire", dependencies: ["CharmTelemetry"], swiftSettings: strict),
        // A simulated agent on the library: used by charm-demo and `charm-monitor --demo`.
        .target(name: "CharmDemo", dependencies: ["CharmTelemetry"], swiftSettings: strict),
        // Vendor exporters and their delivery engine (the only place HTTP clients live).
        .target(
            name: "CharmExporters",
            dependencies: [
                "CharmTelemetry", "CharmWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                "CZlib",
            ],
            swiftSettings: strict
        ),
        // System zlib, for gzip request bodies (Foundation on Linux has no gzip).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // A terminal toolkit that knows nothing of telemetry: the cell grid and its diff,
        // rectangles and layout, display width, colours, themes over an application's roles,
        // input events, a key map and the component protocol panes are written against.
        .target(
            name: "CharmTerminalKit", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // The monitor's pure core: model, update, view into a grid, its theme roles, its keys.
        .target(
            name: "CharmMonitorCore",
            dependencies: [
                "CharmTelemetry", "CharmWire", "CharmTerminalKit", .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            exclude: ["Pricing/prices.yaml"], swiftSettings: strict),
        // Where events come from: stdin, files, Unix/TCP sockets, the runner's SSE.
        .target(
            name: "CharmSources",
            dependencies: [
                "CharmTelemetry", "CharmWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // The OTLP messages and gRPC service stubs, generated from opentelemetry-proto by
        // scripts/generate-otlp-proto.sh and committed (the plugin takes minutes to build).
        .target(
            name: "OTLPProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            exclude: ["VERSION"]
        ),
        // OpenTelemetry in: the OTLP/HTTP and OTLP/gRPC receivers, the GenAI, OpenInference
        // and OpenLLMetry mapping of spans to runs, tool calls and LLM calls, and the trace
        // assembler that holds spans until their owning run is known.
        .target(
            name: "CharmOTLP",
            dependencies: [
                "CharmTelemetry", "CharmWire", "OTLPProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // Sessions recorded to SQLite (GRDB, the system's libsqlite3 with FTS5): the schema, the
        // writer thread behind a bounded queue, the secret scrubber, and the load API that
        // lists sessions and replays one into a MonitorModel (docs/recording.md).
        .target(
            name: "CharmRecording",
            dependencies: [
                "CharmTelemetry", "CharmWire", "CharmMonitorCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // ncursesw, imported as a system library; the defines live in the header.
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        // Accessors for what Swift cannot import from curses.h (macros, globals).
        .target(name: "CNCursesShim", dependencies: ["CNCursesW"], path: "Sources/CNCursesShim"),
        // The only code that talks to ncurses: draws a grid, reads keys and mouse.
        .target(
            name: "CharmTerminal",
            dependencies: ["CNCursesW", "CNCursesShim", "CharmTerminalKit"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "charm-monitor",
            dependencies: [
                "CharmTelemetry", "CharmWire", "CharmExporters", "CharmMonitorCore", "CharmSources",
                "CharmTerminal", "CharmDemo", "CharmOTLP", "CharmRecording",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "charm-demo",
            dependencies: [
                "CharmTelemetry", "CharmDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "charm-bench",
            dependencies: [
                "CharmTelemetry", "CharmWire", "CharmMonitorCore", "CharmExporters", "CharmDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The dispatch ring under concurrent load, built with the thread sanitizer by
        // scripts/tsan (it depends on the core library alone, so that build stays small).
        .executableTarget(name: "charm-ring-stress", dependencies: ["CharmTelemetry"], swiftSettings: strict),
        // What every test target shares: the oracles (external judges) and how a missing one fails.
        .target(name: "CharmTestSupport", dependencies: ["CharmDemo"], path: "Tests/CharmTestSupport", swiftSettings: strict),
        .testTarget(
            name: "CharmTelemetryTests", dependencies: ["CharmTelemetry", "CharmWire", "CharmDemo", "CharmTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CharmWireTests", dependencies: ["CharmWire", "CharmTelemetry", "CharmTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CharmMonitorCoreTests", dependencies: ["CharmMonitorCore", "CharmTelemetry", "CharmWire", "CharmTestSupport"],
            swiftSettings: strict),
        .testTarget(name: "CharmTerminalKitTests", dependencies: ["CharmTerminalKit", "CharmTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CharmSourcesTests", dependencies: ["CharmSources", "CharmTelemetry", "CharmWire", "CharmTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CharmExportersTests",
            dependencies: [
                "CharmExporters", "CharmTelemetry", "CharmWire", "CZlib", "CharmTestSupport", "CharmOTLP", "OTLPProto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CharmOTLPTests",
            dependencies: [
                "CharmOTLP", "OTLPProto", "CharmTelemetry", "CharmTestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "CharmMonitorE2ETests", dependencies: ["CharmTestSupport"], swiftSettings: strict),
    ]
)
