import CharmExporters
import CharmTelemetry
import Foundation
import CharmTestSupport
import Testing

@Suite("exec plugins: discovery, delivery, crashes, hangs", .blocksThreads)
struct PluginExecTests {
    @Test("discovery: CHARM_PLUGIN_PATH, then ~/.config/charm/plugins, then PATH; only executables with valid names")
    func discovery() throws {
        let root = try PluginFixture.tempDir("charm-plugins")
        defer { try? FileManager.default.removeItem(at: root) }
        let explicit = root.appendingPathComponent("explicit")
        let home = root.appendingPathComponent("home")
        let user = home.appendingPathComponent(".config/charm/plugins")
        let path = root.appendingPathComponent("bin")
        for d in [explicit, user, path] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let alpha = try PluginFixture.script(explicit, "charm-telemetry-alpha", "#!/bin/sh\ncat >/dev/null\n")
        try PluginFixture.script(path, "charm-telemetry-alpha", "#!/bin/sh\n")
        let gamma = try PluginFixture.script(user, "charm-telemetry-gamma", "#!/bin/sh\n")
        let delta = try PluginFixture.script(path, "charm-telemetry-delta", "#!/bin/sh\n")
        try PluginFixture.script(path, "charm-telemetry-jsonl", "#!/bin/sh\n")
        try PluginFixture.script(path, "charm-telemetry-Bad Name", "#!/bin/sh\n")
        try Data("#!/bin/sh\n".utf8).write(to: explicit.appendingPathComponent("charm-telemetry-beta"))  // not executable
        let env = ["CHARM_PLUGIN_PATH": explicit.path, "HOME": home.path, "PATH": path.path]

        let found = PluginDiscovery.discover(environment: env)
        #expect(found.map(\.name) == ["alpha", "delta", "gamma", "jsonl"])
        #expect(found.first { $0.name == "alpha" }?.path == alpha)
        #expect(found.first { $0.name == "gamma" }?.path == gamma)
        #expect(PluginDiscovery.find("delta", environment: env)?.path == delta)
        #expect(PluginDiscovery.find("beta", environment: env) == nil)

        // Built-in beats exec plugin: the jsonl executable is not registered over the built-in.
        let registry = ExporterRegistry()
        CharmExporters.registerBuiltins(in: registry)
        let added = CharmExporters.registerDiscoveredPlugins(in: registry, environment: env, includePython: false)
        #expect(added.map(\.name) == ["alpha", "delta", "gamma"])
        #expect(added.first?.kind == .exec(path: alpha))
        #expect(registry.descriptor(named: "jsonl")?.summary.hasPrefix("exec plugin") == false)
        #expect(registry.descriptor(named: "alpha")?.summary == "exec plugin \(alpha)")
    }

    @Test("the shipped tee example receives every telemetry object through TelemetryManager, and flush waits for its acks")
    func teeExample() throws {
        let dir = try PluginFixture.tempDir("charm-tee")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("tee.jsonl").path
        var env = PluginFixture.environment
        env["CHARM_PLUGIN_PATH"] = PluginFixture.repositoryRoot.appendingPathComponent("examples/plugins").path
        env["CHARM_TEE_FILE"] = out
        let registry = CharmExporters.makeRegistry(environment: env, includePython: false)
        let manager = TelemetryManager(
            enabledExporters: ["tee"], registry: registry, context: ExporterContext(environment: env), emitter: nil)
        #expect(manager.warnings.isEmpty)
        for e in Scenario.events { manager.dispatch(e) }
        #expect(manager.flush(timeout: .seconds(20)).complete)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == Scenario.events.map { JSONWriter.compact(.object($0.telemetryObject)) })
        let stats = manager.statistics().first { $0.name == "tee" }
        #expect(stats?.health == .ok)
        #expect(stats?.delivered == UInt64(Scenario.events.count))
        manager.shutdown(timeout: .seconds(5))
    }

    @Test("a plugin that exits is restarted with backoff, and its status and stderr say so")
    func crashingPlugin() throws {
        let dir = try PluginFixture.tempDir("charm-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try PluginFixture.script(dir, "charm-telemetry-crash", """
            #!/bin/sh
            read -r line
            echo "boom after one line" >&2
            exit 3
            """)
        let exporter = ExecPluginExporter(
            name: "crash", executable: path, environment: PluginFixture.environment,
            options: .init(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(400)))
        defer { exporter.shutdown() }
        var sent = 0
        // Keep feeding it, so each new process has a line to die on; the status is looked at
        // while the plugin is down, between a crash and its restart.
        #expect(PluginFixture.waitUntil {
            if sent < 5_000 {
                try? exporter.handle(Scenario.events[sent % Scenario.events.count])
                sent += 1
            }
            let s = exporter.status
            return exporter.restarts >= 3 && s.health == .failing
                && (s.lastError ?? "").hasPrefix("exited with status 3, restarting in ")
        })
        #expect(PluginFixture.waitUntil { exporter.recentStderr.contains("boom after one line") })
    }

    @Test("a plugin that never reads stdin costs the caller nothing: the buffer fills and drops are counted")
    func hangingPlugin() throws {
        let dir = try PluginFixture.tempDir("charm-hang")
        defer { try? FileManager.default.removeItem(at: dir) }
        // `exec` is not needed: stop() signals the whole process group, sleep included.
        let path = try PluginFixture.script(dir, "charm-telemetry-hang", "#!/bin/sh\nsleep 600\n")
        let exporter = ExecPluginExporter(
            name: "hang", executable: path, environment: PluginFixture.environment,
            options: .init(bufferCapacity: 64, shutdownGrace: .milliseconds(200)))
        let big = TelemetryEvent(
            seq: 1, timestamp: .now(), runID: "r", payload: .llmNewToken(token: String(repeating: "x", count: 2048)))
        let count = 5_000
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<count { try exporter.handle(big) }
        }
        // A blocking write would never return (the plugin never reads); the bound only has to
        // tell "returned" from "hung", with room for a loaded CI machine.
        #expect(elapsed < .seconds(20))
        #expect(PluginFixture.waitUntil { exporter.status.dropped > 0 })
        let s = exporter.status
        #expect(s.dropped + s.buffered + exporter.linesWritten == count)
        #expect(s.dropped > count / 2)
        #expect(!exporter.flush(deadline: .now + .milliseconds(100)))
        let stopped = clock.measure { exporter.shutdown() }
        #expect(stopped < .seconds(3))
    }

    @Test("health lines feed the exporter's status")
    func healthLines() throws {
        let dir = try PluginFixture.tempDir("charm-health")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try PluginFixture.script(dir, "charm-telemetry-health", """
            #!/bin/sh
            n=0
            while read -r line; do
              n=$((n + 1))
              echo "{\\"ack\\":$n,\\"health\\":\\"retrying\\",\\"error\\":\\"upstream 503\\",\\"sent\\":5,\\"dropped\\":2}"
            done
            """)
        let exporter = ExecPluginExporter(name: "health", executable: path, environment: PluginFixture.environment)
        defer { exporter.shutdown() }
        try PluginFixture.play(exporter, Scenario.events)
        #expect(PluginFixture.waitUntil { exporter.status.health == .retrying })
        #expect(exporter.flush(deadline: .now + .seconds(10)))
        let s = exporter.status
        #expect(s.lastError == "upstream 503")
        #expect(s.sent == 5)
        #expect(s.dropped == 2)
        #expect(PluginReport(line: Array(#"{"health":"failing","error":"x","ack":3}"#.utf8))
            == PluginReport(health: .failing, error: "x", ack: 3))
        #expect(PluginReport(line: Array("hello".utf8)) == nil)
    }
}
