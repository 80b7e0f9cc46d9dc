/// Why the terminal could not be taken over.
package enum TerminalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `/dev/tty` could not be opened (no controlling terminal, e.g. under a CI runner).
    case noControllingTerminal(errno: Int32)
    /// curses refused the terminal: TERM unset or unknown to terminfo.
    case unsupportedTerminal(term: String?)
    /// The stderr log file could not be created.
    case logFile(path: String, errno: Int32)

    /// A message for the user.
    package var description: String {
        switch self {
        case .noControllingTerminal(let code):
            return "cannot open /dev/tty (errno \(code)): the monitor needs a terminal"
        case .unsupportedTerminal(let term):
            return "curses cannot drive TERM=\(term ?? "(unset)"); try TERM=xterm-256color"
        case .logFile(let path, let code):
            return "cannot create the stderr log \(path) (errno \(code))"
        }
    }
}
