/// The texts Charm's runner itself writes into a run's stream (charmos 0.5.2,
/// `runner/backend/docker.py` and `runner/script_builder.py`), told apart from the agent's.
package enum RunnerMessages {
    /// The heartbeat's content: `{"type":"thinking","content":"..."}` every 5 s.
    package static let heartbeat = "..."

    /// `Execution Failed (Code N).\n…`: N, when `text` is that message.
    package static func failureExitCode(_ text: String) -> Int? {
        let prefix = "Execution Failed (Code "
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let close = rest.firstIndex(of: ")") else { return nil }
        return Int(rest[..<close])
    }

    /// Whether an `error` event's text is the runner's own: the container failed, timed out
    /// or could not be run. It is about the run that just ended, never a new one.
    package static func isRunnerError(_ text: String) -> Bool {
        failureExitCode(text) != nil || text.hasPrefix("Execution Timeout.")
            || text.hasPrefix("Docker Execution Error: ") || text == "Docker Engine Unavailable."
    }
}
