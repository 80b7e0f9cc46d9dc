import CharmTerminalKit
import Testing

/// The toolkit's key map on its own: context-specific bindings win, labels come from keys.
@Suite struct ToolkitKeyMapTests {
    enum Action: Hashable, Sendable { case top, jump, quit }
    enum Mode: Hashable, Sendable { case list, errors }

    let map = KeyMap<Action, Mode>([
        KeyMapEntry([KeyBinding(.top, [.char("g"), .home])], "top"),
        KeyMapEntry([KeyBinding(.jump, [.char("g")], when: .errors)], "in errors: jump"),
        KeyMapEntry([KeyBinding(.quit, [.char("q"), .ctrl("c")])], "quit"),
    ])

    @Test func aContextBindingWinsOnlyInItsContext() {
        #expect(map.action(for: .char("g"), in: .errors) == .jump)
        #expect(map.action(for: .char("g"), in: .list) == .top)
        #expect(map.action(for: .home, in: .errors) == .top)
        #expect(map.action(for: .char("x"), in: .list) == nil)
        #expect(map.bindings.first?.action == .jump)
    }

    @Test func labelsAreGeneratedFromTheKeys() {
        #expect(map.entries.map(\.label) == ["g Home", "g", "q ^C"])
        #expect(Key.char(" ").label == "Space" && Key.backTab.label == "Shift-Tab" && Key.f(5).label == "F5")
    }
}
