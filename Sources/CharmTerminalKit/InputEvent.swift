/// Something the user or the system did, as the terminal layer reports it. Defined here,
/// in the pure core, so `update` can be tested with synthetic input.
package enum InputEvent: Hashable, Sendable {
    /// A key press.
    case key(Key)
    /// A mouse button or wheel event at a cell.
    case mouse(x: Int, y: Int, kind: MouseKind)
    /// The terminal now has this many columns and rows.
    case resize(width: Int, height: Int)
    /// SIGINT, SIGTERM or SIGHUP arrived: a request to quit cleanly, carrying the signal
    /// number so the program can exit with the conventional 128 + signal status.
    case interrupt(signal: Int32)
}

/// A key, decoded from the terminal's escape sequences.
package enum Key: Hashable, Sendable {
    /// A printable character, with Shift already applied.
    case char(Character)
    /// Control plus a letter or symbol, lower-cased: Ctrl-C is `.ctrl("c")`.
    case ctrl(Character)
    /// Cursor keys.
    case up, down, left, right
    /// Page keys.
    case pageUp, pageDown
    /// Line start and end.
    case home, end
    /// Return or keypad Enter.
    case enter
    /// A lone Escape (reported after a short delay, so Alt sequences are not mistaken for it).
    case escape
    /// Tab and Shift-Tab.
    case tab, backTab
    /// Delete backwards.
    case backspace
    /// Delete forwards.
    case delete
    /// Insert.
    case insert
    /// Function key F1…F24.
    case f(Int)
}

/// What a mouse event was.
package enum MouseKind: Hashable, Sendable {
    /// A button went down.
    case press
    /// A button came up.
    case release
    /// The wheel turned away from the user.
    case wheelUp
    /// The wheel turned towards the user.
    case wheelDown
}
