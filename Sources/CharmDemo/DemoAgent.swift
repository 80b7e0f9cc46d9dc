import CharmTelemetry

/// A simulated agent built on the library: concurrent and nested runs, tool calls (some
/// failing), agent actions, an error now and then, and tokens streamed at a realistic pace.
/// Everything it does goes through a `TelemetryManager`, exactly as a real Swift agent would.
package struct DemoAgent: Sendable {
    /// The manager it reports through (its emitter writes the protocol).
    package let manager: TelemetryManager
    /// How it behaves.
    package let options: DemoOptions

    /// An agent reporting through `manager`.
    package init(manager: TelemetryManager, options: DemoOptions) {
        self.manager = manager
        self.options = options
    }

    /// Runs sessions until the duration or session count is reached, or the task is cancelled.
    package func run() async {
        if options.finishedRuns > 0 { await history(options.finishedRuns) }
        if options.flood {
            await flood()
            return
        }
        let clock = ContinuousClock()
        let end = options.duration.map { clock.now.advanced(by: $0) }
        var rng = SplitMix64(seed: options.seed)
        var session = 0
        while !Task.isCancelled {
            if let end, clock.now >= end { break }
            if let limit = options.sessions, session >= limit { break }
            session += 1
            let seed = rng.next()
            let s1 = session
            // Two sessions overlap: the second starts while the first is still streaming,
            // so runs interleave line by line as they do in a busy agent.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.session(index: s1, seed: seed) }
                if session % 2 == 1 && options.sessions.map({ session < $0 }) ?? true {
                    session += 1
                    let s2 = session
                    let seed2 = rng.next()
                    group.addTask {
                        await self.pause(0.6)
                        await self.session(index: s2, seed: seed2)
                    }
                }
            }
        }
    }

    private func pause(_ seconds: Double) async {
        guard options.pace > 0, seconds > 0 else {
            await Task.yield()
            return
        }
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000 / options.pace)))
    }

    /// One user question: a root run, a nested planner run, tool calls, and a streamed answer.
    private func session(index: Int, seed: UInt64) async {
        var rng = SplitMix64(seed: seed)
        let q = DemoScript.questions[Int(rng.next() % UInt64(DemoScript.questions.count))]
        let answer = DemoScript.answers[Int(rng.next() % UInt64(DemoScript.answers.count))]
        let failRun = rng.next() % 7 == 3
        let toolCount = 2 + Int(rng.next() % 3)
        var toolSeeds: [UInt64] = []
        for _ in 0..<toolCount { toolSeeds.append(rng.next()) }
        _ = try? await manager.withRun(id: "session-\(index)", inputs: ["input": .string(q), "session": .int(Int64(index))]) { run in
            await pause(0.3)
            // A nested planner run: its tool calls belong to it, not to the session.
            _ = await manager.withRun(id: "session-\(index).planner", inputs: ["goal": .string(q)]) { _ in
                for seedValue in toolSeeds {
                    await toolCall(seed: seedValue)
                }
                return ["plan": .string("\(toolCount) steps")]
            }
            await pause(0.2)
            for token in DemoScript.tokens(of: answer) {
                if Task.isCancelled { break }
                manager.llmNewToken(token)
                await pause(0.04)
            }
            if failRun {
                throw TelemetryError(type: "RateLimitError", message: "model quota exceeded for session \(index) (429)")
            }
            return ["output": .string(answer), "status": .string("success")]
        }
    }

    private func toolCall(seed: UInt64) async {
        var rng = SplitMix64(seed: seed)
        let tool = DemoScript.tools[Int(rng.next() % UInt64(DemoScript.tools.count))]
        let input = tool.inputs[Int(rng.next() % UInt64(tool.inputs.count))]
        manager.agentAction(tool: tool.name, toolInput: input)
        await pause(0.15)
        let fails = Double(rng.next() % 1000) / 1000 < tool.failureRate
        let output = tool.outputs[Int(rng.next() % UInt64(tool.outputs.count))]
        _ = try? await manager.withTool(tool.name, input: input) {
            await pause(0.2 + Double(rng.next() % 600) / 1000)
            if fails {
                let e = tool.errors[Int(rng.next() % UInt64(tool.errors.count))]
                throw TelemetryError(type: e.type, message: e.message)
            }
            return output
        }
    }

    /// `count` short runs, each with one tool call, finished at once and without pauses:
    /// the history a benchmark starts from.
    private func history(_ count: Int) async {
        for index in 1...count {
            if Task.isCancelled { return }
            let tool = DemoScript.tools[index % DemoScript.tools.count]
            _ = await manager.withRun(id: "history-\(index)", inputs: ["session": .int(Int64(index))]) { _ in
                _ = await manager.withTool(tool.name, input: tool.inputs[0]) { tool.outputs[0] }
                return ["output": .string("done")]
            }
            // A burst of this size would overflow the emitter's queue (dispatch never waits,
            // it drops): let it write out every thousand runs, so every run reaches stdout.
            if index % 1_000 == 0 { manager.flush(timeout: .seconds(30)) }
        }
    }

    /// Flood mode: one run streaming tokens at `floodRate` per second, paced in 1 ms slices.
    private func flood() async {
        let clock = ContinuousClock()
        let start = clock.now
        let end = options.duration.map { start.advanced(by: $0) }
        let tokens = DemoScript.tokens(of: DemoScript.answers.joined(separator: " "))
        _ = await manager.withRun(id: "flood", inputs: ["rate": .double(options.floodRate)]) { _ in
            var sent = 0
            while !Task.isCancelled {
                let now = clock.now
                if let end, now >= end { break }
                let elapsed = start.duration(to: now)
                let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let due = Int(secs * options.floodRate)
                while sent < due {
                    manager.llmNewToken(tokens[sent % tokens.count])
                    sent += 1
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
            return ["tokens": .int(Int64(sent))]
        }
    }
}
