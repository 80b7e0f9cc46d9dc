import CharmTerminalKit
@preconcurrency import CNCursesW
import CNCursesShim

extension Terminal {
    /// Waits up to `timeoutMs` (negative: forever) for a key, a mouse event, a resize or a
    /// quit signal; nil on timeout or for input the monitor has no use for.
    ///
    /// A pending SIGINT, SIGTERM or SIGHUP is reported first as `.interrupt`, so the
    /// caller quits through its normal path and `stop()` restores the terminal. Keep the
    /// timeout short (≤ 100 ms) so a signal is seen promptly.
    package func readInput(timeoutMs: Int) -> InputEvent? {
        if let interrupt = takeInterrupt() { return interrupt }
        guard let window else { return nil }
        wtimeout(window, Int32(clamping: timeoutMs))
        var value: wint_t = 0
        let status = wget_wch(window, &value)
        if let interrupt = takeInterrupt() { return interrupt }
        switch status {
        case KEY_CODE_YES:
            return event(forKeyCode: Int32(bitPattern: value))
        case OK:
            return Unicode.Scalar(UInt32(value)).map { .key(Terminal.key(for: $0)) }
        default:
            return nil
        }
    }

    private func takeInterrupt() -> InputEvent? {
        let signal = cn_take_interrupt()
        return signal == 0 ? nil : .interrupt(signal: signal)
    }

    private func event(forKeyCode code: Int32) -> InputEvent? {
        switch code {
        case KEY_RESIZE:
            needsFullRedraw = true
            let (width, height) = size
            return .resize(width: width, height: height)
        case KEY_MOUSE:
            return mouseEvent()
        default:
            return Terminal.key(forCode: code).map { .key($0) }
        }
    }

    private func mouseEvent() -> InputEvent? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        let state = event.bstate
        let kind: MouseKind
        if state & cn_mouse_wheel_up() != 0 {
            kind = .wheelUp
        } else if state & cn_mouse_wheel_down() != 0 {
            kind = .wheelDown
        } else if state & (cn_mouse_button_pressed() | cn_mouse_button_clicked()) != 0 {
            kind = .press
        } else if state & cn_mouse_button_released() != 0 {
            kind = .release
        } else {
            return nil
        }
        return .mouse(x: Int(event.x), y: Int(event.y), kind: kind)
    }

    /// The key for a curses key code (KEY_UP, KEY_F(n), ...).
    static func key(forCode code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME, KEY_A1: return .home
        case KEY_END, KEY_C1: return .end
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_IC: return .insert
        case (KEY_F0 + 1)...(KEY_F0 + 24): return .f(Int(code - KEY_F0))
        default: return nil
        }
    }

    /// The key for a character read in cbreak mode: controls become named keys or `.ctrl`.
    static func key(for scalar: Unicode.Scalar) -> Key {
        switch scalar.value {
        case 0x1B: return .escape
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x00: return .ctrl(" ")
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(scalar.value + 0x60) ?? "?"))
        case 0x1C: return .ctrl("\\")
        case 0x1D: return .ctrl("]")
        case 0x1E: return .ctrl("^")
        case 0x1F: return .ctrl("_")
        default: return .char(Character(scalar))
        }
    }
}
