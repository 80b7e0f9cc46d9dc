import CharmMonitorCore

/// The themes the interactive UI starts with and cycles through with `t`.
enum ThemeChoice {
    /// The five shipped themes, in the order `t` visits them.
    static let shipped = ["default", "solarized-dark", "light", "high-contrast", "mono"]

    /// The requested theme first (by name or path), then the shipped ones; a theme that
    /// does not load is skipped and the first problem returned (file:line: message).
    static func load(requested: String?) -> (themes: [Theme], problem: String?) {
        let loader = ThemeLoader()
        var themes: [Theme] = []
        var problem: String?
        if let requested {
            let (theme, error) = loader.loadOrDefault(requested)
            if let error { problem = error.description } else { themes.append(theme) }
        }
        for name in shipped where !themes.contains(where: { $0.name == name }) {
            if let theme = try? loader.load(name) { themes.append(theme) }
        }
        if !themes.contains(where: { $0.name == "default" }) { themes.insert(.builtinDefault, at: requested == nil || problem != nil ? 0 : 1) }
        return (themes, problem)
    }
}
