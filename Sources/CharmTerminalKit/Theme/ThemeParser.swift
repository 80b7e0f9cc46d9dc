import Yams

extension TerminalTheme {
    /// Parses a theme file over `base`, which gives every role the file leaves out.
    ///
    /// ```yaml
    /// name: solarized-dark
    /// styles:
    ///   text: {fg: "#839496"}
    ///   selection: {fg: black, bg: 37, attrs: [bold]}
    ///   dim: bright-black        # shorthand for {fg: bright-black}
    /// ```
    /// Colours are names (`black` … `white`, `bright-black` … `bright-white`, `default`),
    /// palette numbers 0–255 or `"#rrggbb"` (quoted: `#` starts a YAML comment); role names
    /// are `Role`'s raw values. Every error names `file` and the line of the offending node.
    package static func parse(yaml: String, file: String, base: TerminalTheme) throws(ThemeError) -> TerminalTheme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ThemeColorNames.error(from: error, file: file)
        } catch {
            throw ThemeError(file: file, message: "\(error)")
        }
        return try ThemeParser(file: file, base: base).theme(from: root)
    }
}

/// Turns a composed YAML node tree into a theme, remembering where each node came from.
struct ThemeParser<Role: StyleRole> {
    let file: String
    let base: TerminalTheme<Role>

    func theme(from root: Node?) throws(ThemeError) -> TerminalTheme<Role> {
        guard let root else { throw ThemeError(file: file, line: 1, message: "the theme file is empty") }
        guard let mapping = root.mapping else {
            throw failure(root, "a theme must be a mapping with `name` and `styles`")
        }
        var theme = base
        theme.name = fileStem
        for (keyNode, value) in mapping {
            switch keyNode.string {
            case "name":
                guard let name = value.scalar?.string, !name.isEmpty else { throw failure(value, "`name` must be a string") }
                theme.name = name
            case "styles":
                guard let styles = value.mapping else { throw failure(value, "`styles` must map roles to styles") }
                for (roleNode, styleNode) in styles {
                    let role = try self.role(roleNode)
                    theme.styles[role] = try style(styleNode)
                }
            default:
                throw failure(keyNode, "unknown key `\(keyNode.string ?? "?")`; expected `name` or `styles`")
            }
        }
        return theme
    }

    private var fileStem: String {
        let last = file.split(separator: "/").last.map(String.init) ?? file
        if let dot = last.lastIndex(of: "."), dot != last.startIndex { return String(last[..<dot]) }
        return last
    }

    private func role(_ node: Node) throws(ThemeError) -> Role {
        let name = node.string ?? ""
        guard let role = Role(rawValue: name) else {
            let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw failure(node, "unknown role `\(name)`; known roles: \(known)")
        }
        return role
    }

    private func style(_ node: Node) throws(ThemeError) -> CellStyle {
        if node.scalar != nil { return CellStyle(fg: try color(node)) }
        guard let mapping = node.mapping else { throw failure(node, "a style must be a colour or a mapping with fg, bg, attrs") }
        var style = CellStyle()
        for (keyNode, value) in mapping {
            switch keyNode.string {
            case "fg": style.fg = try color(value)
            case "bg": style.bg = try color(value)
            case "attrs", "attributes": style.attributes = try attributes(value)
            default: throw failure(keyNode, "unknown style key `\(keyNode.string ?? "?")`; expected fg, bg or attrs")
            }
        }
        return style
    }

    private func color(_ node: Node) throws(ThemeError) -> TerminalColor {
        guard let scalar = node.scalar else { throw failure(node, "a colour must be a name, a number 0-255 or \"#rrggbb\"") }
        let text = scalar.string.lowercased()
        if text.isEmpty || text == "~" || text == "null" {
            throw failure(node, "missing colour (a bare #rrggbb is a YAML comment: quote it)")
        }
        if let index = Int(text) {
            guard let byte = UInt8(exactly: index) else { throw failure(node, "palette colour \(index) is outside 0-255") }
            return .ansi(byte)
        }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else {
                throw failure(node, "`\(scalar.string)` is not a #rrggbb colour")
            }
            return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        guard let named = ThemeColorNames.namedColors[text] else {
            let names = ThemeColorNames.colorNames.joined(separator: ", ")
            throw failure(node, "unknown colour `\(scalar.string)`; use \(names), 0-255 or \"#rrggbb\"")
        }
        return named
    }

    private func attributes(_ node: Node) throws(ThemeError) -> CellAttributes {
        let items: [Node]
        if let sequence = node.sequence {
            items = Array(sequence)
        } else if node.scalar != nil {
            items = [node]
        } else {
            throw failure(node, "attrs must be a list such as [bold, underline]")
        }
        var result: CellAttributes = []
        for item in items {
            let name = item.string?.lowercased() ?? ""
            guard let attribute = CellAttributes.named.first(where: { $0.name == name })?.attribute else {
                let names = CellAttributes.named.map(\.name).joined(separator: ", ")
                throw failure(item, "unknown attribute `\(name)`; use \(names)")
            }
            result.insert(attribute)
        }
        return result
    }

    private func failure(_ node: Node, _ message: String) -> ThemeError {
        ThemeError(file: file, line: node.mark?.line, column: node.mark?.column, message: message)
    }
}

/// The colour names theme files may use, and how a YAML error becomes a `ThemeError`
/// (kept out of the generic parser: a generic type cannot hold stored statics).
enum ThemeColorNames {
    /// The eight ANSI names in palette order; `bright-` adds 8.
    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static let namedColors: [String: TerminalColor] = {
        var names: [String: TerminalColor] = ["default": .default, "gray": .ansi(8), "grey": .ansi(8)]
        for (index, name) in colorNames.enumerated() {
            names[name] = .ansi(UInt8(index))
            names["bright-\(name)"] = .ansi(UInt8(index + 8))
        }
        return names
    }()

    /// Moves Yams' position (it has one for every syntax error) into a `ThemeError`.
    static func error(from error: YamlError, file: String) -> ThemeError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return ThemeError(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ThemeError(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ThemeError(file: file, message: "YAML: \(error)")
        }
    }
}
