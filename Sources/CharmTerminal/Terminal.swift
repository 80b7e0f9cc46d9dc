import CharmTerminalKit
@preconcurrency import CNCursesW
import CNCursesShim
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The full-screen terminal, through ncurses: draws grids, reads keys and mouse.
///
/// Not thread-safe, like ncurses itself: create it, use it and stop it on ONE dedicated
/// thread (never on the cooperative pool, since `readInput` blocks). Everything else in
/// the monitor is pure and talks to it through `Grid` and `InputEvent`.
package final class Terminal {
    /// Where the keyboard is read from.
    package enum Input: Sendable {
        /// Standard input (the usual case).
        case stdin
        /// `/dev/tty`, for when stdin is a pipe carrying the event stream.
        case tty
    }

    /// The colours this terminal is drawn with, after NO_COLOR, COLORTERM and what curses
    /// can emit (24-bit only with a direct-colour terminfo; otherwise the nearest of 256).
    package private(set) var colorCapability: ColorCapability = .none
    /// Where stderr goes while the UI is up, when `start` was asked to redirect it.
    package var stderrLogPath: String? { stderrRedirect.logPath }

    var screen: OpaquePointer?
    var window: UnsafeMutablePointer<WINDOW>?
    private var inputFile: UnsafeMutablePointer<FILE>?
    private var outputFile: UnsafeMutablePointer<FILE>?
    /// The descriptor ncurses writes the screen to (see `setClipboard`).
    var outputDescriptor: Int32 = -1
    private let stderrRedirect = StderrRedirect()
    var lastGrid: Grid?
    var needsFullRedraw = true
    var pairs: [ColorPairKey: Int32] = [:]
    /// Whether ncurses can emit 24-bit colour numbers (a direct-colour terminfo).
    var directColor = false

    /// Creates an idle terminal; nothing changes on screen until `start`.
    package init() {}

    deinit { stop() }

    /// True between `start` and `stop`.
    package var isActive: Bool { screen != nil }

    /// Columns and rows of the screen (0×0 before `start`).
    package var size: (width: Int, height: Int) {
        guard let window else { return (0, 0) }
        return (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    /// Takes over the terminal: alternate screen, no echo, keys unbuffered, no cursor,
    /// mouse on, colours detected.
    ///
    /// - Parameters:
    ///   - input: where keys come from; `.tty` when stdin carries data.
    ///   - environment: consulted for NO_COLOR and COLORTERM.
    ///   - redirectStderr: send stderr to `StderrRedirect.defaultLogPath()` until `stop`.
    package func start(
        input: Input = .stdin,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        redirectStderr: Bool = true
    ) throws {
        guard screen == nil else { return }
        Terminal.configureLocale()

        let tty: UnsafeMutablePointer<FILE>?
        switch input {
        case .tty:
            guard let file = fopen("/dev/tty", "r+") else { throw TerminalError.noControllingTerminal(errno: errno) }
            tty = file
        case .stdin:
            tty = fdopen(dup(STDIN_FILENO), "r")
        }
        // A duplicate of stdout, so closing our FILE never closes the process's fd 1;
        // when stdout is not a terminal, draw on the tty we read from.
        let output = isatty(STDOUT_FILENO) == 1 || input == .stdin ? fdopen(dup(STDOUT_FILENO), "w") : nil
        guard let tty, let out = output ?? (input == .tty ? tty : nil) else {
            throw TerminalError.noControllingTerminal(errno: errno)
        }

        if redirectStderr {
            let path = try stderrRedirect.begin()
            cn_guard_set_stderr(stderrRedirect.savedStderr, path)
        } else {
            cn_guard_set_stderr(-1, nil)
        }
        // Installed before newterm: ncurses then leaves SIGINT/SIGTERM to us instead of
        // exiting from its own handler.
        _ = cn_install_signal_guard()

        guard let newScreen = newterm(nil, out, tty) else {
            cn_remove_signal_guard()
            cn_guard_set_stderr(-1, nil)
            stderrRedirect.end()
            if out != tty { fclose(out) }
            fclose(tty)
            throw TerminalError.unsupportedTerminal(term: getenv("TERM").map { String(cString: $0) })
        }
        screen = newScreen
        inputFile = tty
        outputFile = out == tty ? nil : out
        outputDescriptor = fileno(out)
        _ = set_term(newScreen)
        let window = cn_stdscr()
        self.window = window

        _ = cbreak()
        _ = noecho()
        _ = nonl()
        _ = intrflush(window, false)
        _ = keypad(window, true)
        _ = curs_set(0)
        _ = set_escdelay(25)
        _ = mousemask(cn_mouse_all_events(), nil)
        _ = mouseinterval(0)

        var colors = 0
        if has_colors() {
            _ = start_color()
            _ = use_default_colors()
            colors = Int(cn_colors())
        }
        directColor = colors >= 1 << 24
        let requested = ColorCapability.detect(colors: colors, environment: environment)
        colorCapability = directColor ? requested : min(requested, .ansi256)
        pairs = [:]
        lastGrid = nil
        needsFullRedraw = true
    }

    /// Gives the terminal back: cooked mode, echo, cursor, the normal screen, the real
    /// stderr. Safe to call more than once and after a signal already restored it.
    package func stop() {
        guard let screen else { return }
        cn_remove_signal_guard()
        if !isendwin() { _ = endwin() }
        delscreen(screen)
        self.screen = nil
        window = nil
        if let outputFile { fclose(outputFile) }
        if let inputFile { fclose(inputFile) }
        outputFile = nil
        inputFile = nil
        outputDescriptor = -1
        cn_guard_set_stderr(-1, nil)
        stderrRedirect.end()
    }

    /// Follows the user's locale so ncurses measures UTF-8; falls back to C.UTF-8 when
    /// the user's codeset is not UTF-8 (CJK and emoji would come out as `~Z` garbage).
    static func configureLocale() {
        _ = setlocale(LC_ALL, "")
        if cn_locale_is_utf8() == 0 {
            _ = setlocale(LC_ALL, "C.UTF-8")
        }
    }
}

/// A colour pair as ncurses numbers its colours (-1: the terminal's default).
struct ColorPairKey: Hashable {
    var fg: Int32
    var bg: Int32
}
