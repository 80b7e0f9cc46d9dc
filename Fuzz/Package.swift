// swift-tools-version: 6.0
// libFuzzer targets for charm-telemetry's stream decoder and JSON parser, both in CharmWire
// (docs/fuzzing.md).
//
// A package of its own so the root package's build is untouched: it depends on the root by
// path and is built with `-sanitize=fuzzer,address` by scripts/fuzz.sh, which also passes
// `-parse-as-library` (libFuzzer supplies `main`) and `-enable-testing` (the targets reach a
// few internal entry points, e.g. the decoder's fast event-line parser, with @testable).
import PackageDescription

let package = Package(
    name: "charm-telemetry-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "charm-telemetry", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "fuzz-decoder",
            dependencies: [
                .product(name: "CharmWire", package: "charm-telemetry"),
                .product(name: "CharmTelemetry", package: "charm-telemetry"),
            ]
        ),
        .executableTarget(
            name: "fuzz-json",
            dependencies: [
                .product(name: "CharmWire", package: "charm-telemetry"),
                .product(name: "CharmTelemetry", package: "charm-telemetry"),
            ]
        ),
    ]
)
