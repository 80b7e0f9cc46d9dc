/// A named set of styles, one per role of an application's `Role` enum.
package struct TerminalTheme<Role: StyleRole>: Hashable, Sendable {
    /// The theme's name, as users pick it.
    package var name: String
    /// The style of each role; a role missing here falls back as `subscript` says.
    package var styles: [Role: CellStyle]

    /// Creates a theme.
    package init(name: String, styles: [Role: CellStyle]) {
        self.name = name
        self.styles = styles
    }

    /// The style for `role`: this theme's own, else the `text` style, else plain, so a
    /// view never has to handle a missing role.
    package subscript(role: Role) -> CellStyle {
        styles[role] ?? styles[.text] ?? .plain
    }

    /// The theme as a terminal with `capability` can show it. Colours degrade to the
    /// nearest ones available; without colour every role gets its monochrome attributes
    /// so the screen stays readable.
    package func adapted(to capability: ColorCapability) -> TerminalTheme {
        var adapted = self
        for role in Role.allCases {
            var style = self[role].adapted(to: capability)
            if capability == .none {
                style.attributes.formUnion(role.monochromeAttributes)
            }
            adapted.styles[role] = style
        }
        return adapted
    }
}
