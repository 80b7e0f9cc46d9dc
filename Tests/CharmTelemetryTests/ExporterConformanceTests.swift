import Foundation
import Testing

/// What the compiler enforces about exporters, checked by type-checking small sources
/// against the CharmTelemetry module this test run was built with (`swiftc -typecheck`).
///
/// A hook-style exporter that lacks one of Charm's eight hooks must not compile (Python's
/// "all abstract methods must be implemented"); an event-first exporter needs only `handle`.
@Suite struct ExporterConformanceTests {
    static let hooks = [
        "func onRunStart(runID: String, inputs: JSONObject) {}",
        "func onRunEnd(runID: String, outputs: JSONObject) {}",
        "func onError(runID: String, error: TelemetryError) {}",
        "func onToolStart(toolName: String, inputStr: String) {}",
        "func onToolEnd(toolName: String, output: String) {}",
        "func onToolError(toolName: String, error: TelemetryError) {}",
        "func onLLMNewToken(token: String) {}",
        "func onAgentAction(tool: String, toolInput: String) {}",
    ]

    /// The build's module directory and the include directories of the C modules it
    /// imports, found from the test binary's path (`<scratch>/<triple>/debug/…`).
    static let searchPaths: [String]? = {
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var modules: String?
        var checkouts: String?
        for _ in 0..<6 {
            dir.deleteLastPathComponent()
            let m = dir.appendingPathComponent("Modules/CharmTelemetry.swiftmodule").path
            if modules == nil, fm.fileExists(atPath: m) { modules = dir.appendingPathComponent("Modules").path }
            let c = dir.appendingPathComponent("checkouts").path
            if checkouts == nil, fm.fileExists(atPath: c) { checkouts = c }
        }
        guard let modules else { return nil }
        var paths = [modules]
        if let checkouts { paths.append(checkouts + "/Yams/Sources/CYaml/include") }
        // Our own C module CharmTelemetry imports (the cycle counter behind Timestamp.now).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        paths.append(root.appendingPathComponent("Sources/CCycleCounter/include").path)
        return paths
    }()

    /// One module cache for the suite's runs, so the imported modules are built once.
    static let moduleCache = Support.tempPath("module-cache")

    /// swiftc's diagnostics for `source`, or nil when it type-checks.
    func typecheck(_ source: String) throws -> String? {
        let paths = try #require(Self.searchPaths, "the built CharmTelemetry module was not found next to the tests")
        let file = Support.tempPath("conformance.swift")
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        let out = try Support.run(
            ["swiftc", "-typecheck", "-module-cache-path", Self.moduleCache] + paths.flatMap { ["-I", $0] } + [file])
        return out.status == 0 ? nil : out.stderr
    }

    func hookExporter(_ hooks: [String]) -> String {
        "import CharmTelemetry\nfinal class Probe: TelemetryHookExporter {\n" + hooks.map { "    \($0)\n" }.joined() + "}\n"
    }

    @Test func hookExporterWithAllEightHooksCompiles() throws {
        let errors = try typecheck(hookExporter(Self.hooks))
        #expect(errors == nil, "\(errors ?? "")")
    }

    @Test(arguments: 0..<8)
    func hookExporterMissingAHookDoesNotCompile(missing: Int) throws {
        var hooks = Self.hooks
        hooks.remove(at: missing)
        let errors = try typecheck(hookExporter(hooks))
        #expect(errors?.contains("does not conform to protocol 'TelemetryHookExporter'") == true, "\(errors ?? "compiled")")
    }

    @Test func eventFirstExporterNeedsOnlyHandle() throws {
        let source = """
            import CharmTelemetry
            final class Probe: TelemetryExporter {
                func handle(_ event: TelemetryEvent) {}
            }
            """
        let errors = try typecheck(source)
        #expect(errors == nil, "\(errors ?? "")")
    }
}
