#if canImport(Glibc)
import Glibc
#endif
import CharmTestSupport
import Foundation
import Testing

/// A free TCP port on loopback (bound, read, released).
private func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
            bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0
        }
    }
    guard bound else { throw MonitorError(message: "no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

@Suite("OTLP in the UI (tmux): an agent framework's runs, calls, tokens and cost on screen", .blocksThreads, .serialized, .oracle(.tmux))
struct OTLPInteractiveTests {
    @Test(
        "pydantic-ai pointed at the monitor: its agents, tool calls, LLM calls, tokens and cost appear in the panes; Enter opens an LLM call",
        .oracle(OTLPProducers.pydanticAI, OTLPProducers.httpExporter))
    func pydanticAIOnScreen() throws {
        let binary = try #require(Monitor.binary)
        let port = try freePort()
        let h = try TmuxHarness(
            command: "\(TmuxHarness.quote(binary)) --no-stdin --otlp-http 127.0.0.1:\(port)", width: 160, height: 40,
            environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"])
        try h.waitFor("Runs")
        let r = try Monitor.runProcess(
            "/usr/bin/env",
            ["PYDANTIC_TEST_MODEL=gpt-4o", "python3", OTLPProducers.script("pydantic_ai_agents.py"), "--endpoint",
             "http://127.0.0.1:\(port)", "--service", "weather-bot"], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        // Every agent is a run with its name; the newest is selected and its calls shown.
        let screen = try h.waitUntil(timeout: 30) { s in
            s.contains("weather · ") && s.contains("fragile · ") && s.contains("planner · ") && s.contains("researcher")
        }
        #expect(screen.contains("otlp:weather-bot"))
        // The runs pane's cost column: gpt-4o is in the shipped price table.
        #expect(screen.contains("cost"))
        #expect(screen.contains("$0.0"))
        // Select the planner (listed before its nested researcher) and look at its calls.
        try h.sendKeys("Home")
        var calls = try h.capture()
        for _ in 0..<8 where !calls.contains("Calls · ") || !calls.contains("delegate") {
            try h.sendKeys("Down")
            Thread.sleep(forTimeInterval: 0.2)
            calls = try h.capture()
        }
        #expect(calls.contains("◆ gpt-4o"), "\(calls)")
        #expect(calls.contains("delegate"), "\(calls)")
        #expect(calls.contains("in "), "\(calls)")
        // Enter on the first call (a model call) opens it in full.
        try h.sendKeys("Tab")
        try h.sendKeys("Home")
        try h.sendKeys("Enter")
        let detail = try h.waitFor("LLM call · gpt-4o", timeout: .seconds(10))
        #expect(detail.contains("tokens in"))
        #expect(detail.contains("cost"))
        #expect(detail.contains("── input messages ──"))
        try h.sendKeys("Escape")
        try h.sendKeys("q")
        try h.waitFor("[exit 0]", timeout: .seconds(30))
    }
}
