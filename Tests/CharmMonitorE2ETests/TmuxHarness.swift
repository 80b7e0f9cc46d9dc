import Foundation
import CharmTestSupport
import Testing

/// Drives a program in a detached tmux session: type keys, read the screen as text,
/// resize, and check that the terminal was left sane. Each harness has its own tmux
/// server socket, so parallel tests and a user's own tmux never meet. A class, so that
/// the server is killed when the last reference goes, even when a test throws early.
final class TmuxHarness {
    /// Why a harness could not be made.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// tmux's path, or nil when it is not installed (tests that need it carry
    /// `.oracle(.tmux)`, and fail without it).
    static let tmuxPath: String? = Oracle.tmux.programPath

    let socket: String
    let session = "e2e"
    private let tmux: String
    private let sttyFile: String
    /// The program's `XDG_DATA_HOME` unless the test gives one: a folder of its own, so an
    /// interactive monitor's recording (on by default) never lands in the user's home.
    let dataHome: String

    /// Starts `command` (run by `sh -c`) in a `width`×`height` pane. When the command
    /// ends, the pane records `stty -a` into a file (see `sttyAfterExit`) and stays open
    /// so its last screen can still be captured.
    init(command: String, width: Int = 80, height: Int = 24, environment: [String: String] = [:]) throws {
        guard let tmux = TmuxHarness.tmuxPath else { throw Failure(description: "tmux is not installed") }
        self.tmux = tmux
        let unique = "charm-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        socket = unique
        sttyFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(unique).stty").path
        dataHome = environment["XDG_DATA_HOME"] ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(unique).data").path
        var environment = environment
        environment["XDG_DATA_HOME"] = dataHome
        let exports = environment.map { "export \($0.key)=\(TmuxHarness.quote($0.value)); " }.joined()
        let script = "\(exports)\(command); echo \"[exit $?]\"; stty -a > \(TmuxHarness.quote(sttyFile)); exec sleep 3600"
        try run(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", "sh -c \(TmuxHarness.quote(script))"])
        _ = try? run(["set-option", "-t", session, "status", "off"])
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: sttyFile)
        if dataHome.hasSuffix(".data") { try? FileManager.default.removeItem(atPath: dataHome) }
    }

    /// Types keys: tmux key names ("Enter", "C-c", "Up") or literal text with `literal`.
    func sendKeys(_ keys: String..., literal: Bool = false) throws {
        try run(["send-keys", "-t", session] + (literal ? ["-l"] : []) + keys)
    }

    /// The visible screen, one line per row, trailing blanks trimmed by tmux.
    func capture() throws -> String {
        try run(["capture-pane", "-p", "-t", session])
    }

    /// The visible screen with its colours and attributes as SGR escape sequences
    /// (`capture-pane -e`), to tell how a row is styled.
    func captureStyled() throws -> String {
        try run(["capture-pane", "-p", "-e", "-t", session])
    }

    /// A screen that still satisfies `predicate` once the frame it belongs to is drawn.
    ///
    /// tmux can be captured between two writes of one frame (the header drawn, the panes
    /// not yet), so a caller that reads more than the text it waited for could see half a
    /// frame. Captures again until two in a row agree (at most 5 times, 40 ms apart: a
    /// screen that never stops changing, like a flood, gives the last capture that fits).
    func settled(_ screen: String, _ predicate: (String) -> Bool) throws -> String {
        var last = screen
        for _ in 0..<5 {
            Thread.sleep(forTimeInterval: 0.04)
            let next = try capture()
            guard predicate(next) else { return last }
            if next == last { return next }
            last = next
        }
        return last
    }

    /// Polls the screen until it contains `text`; returns the screen, or throws with the
    /// last screen when `timeout` passes.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var screen = ""
        while clock.now < deadline {
            screen = try capture()
            if screen.contains(text) { return try settled(screen) { $0.contains(text) } }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "timed out waiting for \"\(text)\"; screen was:\n\(screen)")
    }

    /// Resizes the window (the program gets SIGWINCH).
    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// `stty -a` of the pane's terminal as it was right after the command exited, waiting
    /// up to `timeout` for the command to end.
    func sttyAfterExit(timeout: Duration = .seconds(10)) throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let text = try? String(contentsOfFile: sttyFile, encoding: .utf8), !text.isEmpty { return text }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "the command did not exit within \(timeout)")
    }

    /// True when `stty -a` output shows a cooked terminal: canonical input and echo on.
    static func isSane(stty: String) -> Bool {
        let flags = Set(stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        return flags.contains("icanon") && flags.contains("echo")
    }

    /// Lets programs in the pane set tmux's clipboard with OSC 52: each one becomes a paste
    /// buffer (`set-clipboard on`; tmux's default, `external`, ignores them).
    func acceptClipboard() throws {
        try run(["set-option", "-s", "set-clipboard", "on"])
    }

    /// The newest paste buffer, or nil when there is none yet.
    func pasteBuffer() -> String? {
        try? run(["show-buffer"])
    }

    /// Ends the session and its tmux server now (also done on deinit).
    func kill() {
        _ = try? run(["kill-server"])
    }

    /// Runs tmux and returns what it printed. posix_spawn + waitpid rather than
    /// Foundation's Process: `new-session` forks a server that inherits Process's
    /// termination socket, and `waitUntilExit` then never returns.
    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(socket)-\(UUID().uuidString.prefix(8)).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = [tmux, "-L", socket, "-f", "/dev/null"] + arguments
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        // The test runner's threads block signals and the mask is inherited: a tmux server
        // started with it never sees SIGCHLD or SIGTERM and outlives kill-server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE, SIGWINCH] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else { throw Failure(description: "cannot run tmux: errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitedNormally = status & 0x7F == 0
        let exitCode = (status >> 8) & 0xFF
        guard exitedNormally, exitCode == 0 else {
            throw Failure(description: "tmux \(arguments.first ?? "") failed (status \(status)): \(text)")
        }
        return text
    }

    /// Single-quotes `text` for sh.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

@Suite("Tmux harness", .blocksThreads, .oracle(.tmux))
struct TmuxHarnessTests {
    @Test func capturesOutputAndSeesASaneTerminalAfterExit() throws {
        let harness = try TmuxHarness(command: "printf 'hello from tmux'; sleep 0.3", width: 60, height: 10)
        let screen = try harness.waitFor("hello from tmux")
        #expect(screen.contains("hello from tmux"))
        let stty = try harness.sttyAfterExit()
        #expect(TmuxHarness.isSane(stty: stty), "stty -a: \(stty)")
        #expect(try harness.waitFor("[exit 0]").contains("[exit 0]"))
    }

    @Test func sendsKeysAndResizes() throws {
        let harness = try TmuxHarness(command: "read line; echo \"got:$line\"; stty size; read more; stty size", width: 70, height: 12)
        try harness.sendKeys("abc", literal: true)
        try harness.sendKeys("Enter")
        try harness.waitFor("got:abc")
        try harness.waitFor("12 70")
        try harness.resize(width: 50, height: 8)
        try harness.sendKeys("Enter")
        try harness.waitFor("8 50")
        #expect(TmuxHarness.isSane(stty: try harness.sttyAfterExit()))
    }

    @Test func detectsARawTerminal() throws {
        let harness = try TmuxHarness(command: "stty -icanon -echo", width: 40, height: 5)
        #expect(!TmuxHarness.isSane(stty: try harness.sttyAfterExit()))
        #expect(TmuxHarness.isSane(stty: "speed 38400 baud; line = 0;\nisig icanon iexten echo echoe"))
    }

    @Test func timesOutWithTheScreen() throws {
        let harness = try TmuxHarness(command: "echo visible; sleep 5", width: 40, height: 5)
        #expect(throws: TmuxHarness.Failure.self) { try harness.waitFor("never shown", timeout: .milliseconds(300)) }
    }
}
