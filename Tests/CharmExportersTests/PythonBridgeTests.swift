import CharmExporters
import CharmTelemetry
import CharmWire
import Foundation
import CharmTestSupport
import Testing

/// A venv holding a package written like the Charm docs' example exporter, made once for
/// the suite (pip is the slow part).
private let bridgeVenvResult: Result<URL, any Error> = Result {
    let dir = try PluginFixture.tempDir("charm-bridge")
    let project = dir.appendingPathComponent("my-exporter")
    try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    try Data(PythonBridgeTests.pyproject.utf8).write(to: project.appendingPathComponent("pyproject.toml"))
    try Data(PythonBridgeTests.module.utf8).write(to: project.appendingPathComponent("my_exporter.py"))
    let venv = try PluginFixture.makeVenv(in: dir)
    try PluginFixture.pipInstall(project, into: venv)
    return venv
}

/// The venv, made off the cooperative pool (it takes pip's time).
private func bridgeVenv() async throws -> URL {
    try await PluginFixture.offPool { try bridgeVenvResult.get() }
}

@Suite("Python bridge: Charm's own exporters through charm.telemetry entry points", .blocksThreads, .serialized)
struct PythonBridgeTests {
    static let pyproject = """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "my-exporter"
        version = "0.1.0"
        dependencies = ["charmos"]

        [project.entry-points."charm.telemetry"]
        myexp = "my_exporter:MyExporter"
        brokenexp = "my_exporter:BrokenExporter"

        [tool.setuptools]
        py-modules = ["my_exporter"]

        """

    static let module = """
        import json
        import os

        from charm.core.telemetry import BaseTelemetryExporter


        def shown(a):
            if isinstance(a, BaseException):
                return {"exception": type(a).__name__, "str": str(a)}
            return a


        class MyExporter(BaseTelemetryExporter):
            def _log(self, hook, *args):
                with open(os.environ["MYEXP_LOG"], "a", encoding="utf-8") as f:
                    f.write(json.dumps({"hook": hook, "args": [shown(a) for a in args]}, ensure_ascii=False) + "\\n")

            def on_run_start(self, run_id, inputs): self._log("on_run_start", run_id, inputs)
            def on_run_end(self, run_id, outputs): self._log("on_run_end", run_id, outputs)
            def on_error(self, run_id, error): self._log("on_error", run_id, error)
            def on_tool_start(self, tool_name, input_str): self._log("on_tool_start", tool_name, input_str)
            def on_tool_end(self, tool_name, output): self._log("on_tool_end", tool_name, output)
            def on_tool_error(self, tool_name, error): self._log("on_tool_error", tool_name, error)
            def on_llm_new_token(self, token): self._log("on_llm_new_token", token)
            def on_agent_action(self, tool, tool_input): self._log("on_agent_action", tool, tool_input)


        class BrokenExporter(MyExporter):
            def _log(self, hook, *args):
                print("about to fail in", hook)
                raise RuntimeError("broken exporter")

        """

    /// What MyExporter should log for an event: Charm's hook and arguments.
    static func expected(_ e: TelemetryEvent) -> JSONValue {
        func err(_ x: TelemetryError) -> JSONValue { .object(["exception": .string(x.type), "str": .string(x.message)]) }
        let args: [JSONValue]
        switch e.payload {
        case .runStart(let i): args = [.string(e.runID), .object(i)]
        case .runEnd(let o, _): args = [.string(e.runID), .object(o)]
        case .error(let x): args = [.string(e.runID), err(x)]
        case .toolStart(let n, let i): args = [.string(n), .string(i)]
        case .toolEnd(let n, let o): args = [.string(n), .string(o)]
        case .toolError(let n, let x): args = [.string(n), err(x)]
        case .llmNewToken(let t): args = [.string(t)]
        case .agentAction(let t, let i): args = [.string(t), .string(i)]
        case .llmCall: return .null  // no Charm hook: the bridge passes over it
        }
        return .object(["hook": .string(e.hook.pythonMethod), "args": .array(args)])
    }

    func environment(_ venv: URL, log: String) -> [String: String] {
        var env = PluginFixture.environment
        env["CHARM_PYTHON"] = venv.appendingPathComponent("bin/python").path
        env["MYEXP_LOG"] = log
        env["CHARM_PLUGIN_PATH"] = "/nonexistent"
        return env
    }

    @Test("every hook reaches a real BaseTelemetryExporter subclass, in order, with Charm's arguments; flush waits for it")
    func deliversThroughBridge() async throws {
        let venv = try await bridgeVenv()
        let log = venv.deletingLastPathComponent().appendingPathComponent("myexp-\(UUID().uuidString).jsonl").path
        let env = environment(venv, log: log)
        let names = try await PluginFixture.offPool { PythonBridge.listEntryPoints(environment: env).map(\.name) }
        #expect(names.contains("myexp") && names.contains("brokenexp"))

        let registry = try await PluginFixture.offPool { CharmExporters.makeRegistry(environment: env) }
        #expect(registry.descriptor(named: "myexp")?.summary.contains("my_exporter:MyExporter") == true)
        let manager = TelemetryManager(
            enabledExporters: ["myexp"], registry: registry, context: ExporterContext(environment: env), emitter: nil)
        #expect(manager.warnings.isEmpty)
        for e in Scenario.events { manager.dispatch(e) }
        #expect(try await PluginFixture.offPool { manager.flush(timeout: .seconds(60)).complete })
        // No waiting here: flush returning means the bridge acknowledged every line.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let got = try lines.map { try JSONParser.parse(String($0)) }
        #expect(got == Scenario.events.map(Self.expected))
        let stats = manager.statistics().first { $0.name == "myexp" }
        #expect(stats?.health == .ok)
        #expect(stats?.dropped == 0)
        manager.shutdown(timeout: .seconds(5))
    }

    @Test("a Python exporter that raises is isolated: failing with its error, other exporters unaffected")
    func raisingExporterIsIsolated() async throws {
        let venv = try await bridgeVenv()
        let dir = venv.deletingLastPathComponent()
        let jsonl = dir.appendingPathComponent("side-\(UUID().uuidString).jsonl").path
        var env = environment(venv, log: dir.appendingPathComponent("unused.jsonl").path)
        env["CHARM_TELEMETRY_JSONL_PATH"] = jsonl
        let registry = try await PluginFixture.offPool { [env] in CharmExporters.makeRegistry(environment: env) }
        let manager = TelemetryManager(
            enabledExporters: ["brokenexp", "jsonl"], registry: registry, context: ExporterContext(environment: env),
            emitter: nil)
        for e in Scenario.events { manager.dispatch(e) }
        #expect(try await PluginFixture.offPool { manager.flush(timeout: .seconds(60)).complete })
        let stats = manager.statistics()
        let broken = stats.first { $0.name == "brokenexp" }
        #expect(broken?.health == .failing)
        #expect(broken?.lastError?.contains("brokenexp.on_run_end: RuntimeError: broken exporter") == true)
        let side = stats.first { $0.name == "jsonl" }
        #expect(side?.health == .ok)
        #expect(side?.delivered == UInt64(Scenario.events.count))
        manager.shutdown(timeout: .seconds(5))
    }

    @Test("an entry point that is not installed reports why and is restarted with backoff")
    func missingEntryPoint() async throws {
        let venv = try await bridgeVenv()
        let env = environment(venv, log: "/dev/null")
        let exporter = try PythonBridge.makeExporter(
            name: "nosuch", environment: env, options: .init(initialBackoff: .seconds(5)))
        defer { exporter.shutdown() }
        #expect(PluginFixture.waitUntil(.seconds(20)) { exporter.status.health == .failing && exporter.restarts > 0 })
        let error = exporter.status.lastError ?? ""
        #expect(error.hasPrefix("exited with status 78, restarting in 5s"))
        #expect(error.contains("no entry point 'nosuch' in group charm.telemetry"))
    }
}
