import CharmMonitorCore
import Foundation
import Testing

/// The repository's themes/ folder, found from this file so tests run from any directory.
let repositoryThemes: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("themes").path

@Suite("Theme files and loader")
struct ThemeLoaderTests {
    let loader = ThemeLoader(searchDirectories: [repositoryThemes])

    @Test("every shipped theme loads and styles every role", arguments: [
        "default", "light", "high-contrast", "solarized-dark", "mono",
    ])
    func shippedThemesLoad(name: String) throws {
        let theme = try loader.load(name)
        #expect(theme.name == name)
        let file = try String(contentsOfFile: "\(repositoryThemes)/\(name).yaml", encoding: .utf8)
        for role in ThemeRole.allCases {
            #expect(file.contains("  \(role.rawValue):"), "\(name).yaml leaves out \(role.rawValue)")
        }
    }

    @Test func defaultFileMatchesTheBuiltInTheme() throws {
        #expect(try loader.load("default") == Theme.builtinDefault)
    }

    @Test func availableThemesListsTheShippedOnes() {
        #expect(loader.availableThemes() == ["default", "high-contrast", "light", "mono", "solarized-dark"])
    }

    @Test func loadsByPath() throws {
        #expect(try loader.load("\(repositoryThemes)/light.yaml").name == "light")
    }

    @Test func unknownNameFallsBackToDefaultWithAReason() {
        let (theme, error) = loader.loadOrDefault("no-such-theme")
        #expect(theme == Theme.builtinDefault)
        #expect(error?.description.contains("no-such-theme") == true)
        #expect(ThemeLoader(searchDirectories: []).loadOrDefault(nil).error == nil)
    }

    @Test func brokenFileReportsFileAndLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("charm-theme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("broken.yaml").path
        try "name: broken\nstyles:\n  text: {fg: red\n  dim: blue\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (theme, error) = ThemeLoader(searchDirectories: [directory.path]).loadOrDefault("broken")
        #expect(theme == Theme.builtinDefault)
        let reported = try #require(error)
        #expect(reported.file == path)
        #expect(reported.line != nil)
        #expect(reported.description.hasPrefix("\(path):\(reported.line ?? 0)"))
    }

    @Test func standardDirectoriesHonourEnvironment() {
        let directories = ThemeLoader.standardDirectories(
            environment: ["CHARM_MONITOR_THEMES": "/a:/b", "HOME": "/home/u"],
            executablePath: "/repo/.build/debug/charm-monitor",
            currentDirectory: "/work"
        )
        #expect(Array(directories.prefix(4)) == ["/a", "/b", "/home/u/.config/charm-monitor/themes", "/work/themes"])
        #expect(directories.contains("/repo/themes"))
        #expect(ThemeLoader.standardDirectories(environment: ["XDG_CONFIG_HOME": "/x"], executablePath: nil, currentDirectory: "/w")
            == ["/x/charm-monitor/themes", "/w/themes"])
    }
}

@Suite("Theme parsing")
struct ThemeParsingTests {
    @Test func colourForms() throws {
        let theme = try Theme.parse(yaml: """
            name: t
            styles:
              text: {fg: "#ff8000", bg: 17}
              dim: bright-black
              title: {fg: default, attrs: [bold, underline]}
              error: {fg: red, attrs: reverse}
            """, file: "t.yaml")
        #expect(theme.name == "t")
        #expect(theme[.text] == CellStyle(fg: .rgb(255, 128, 0), bg: .ansi(17)))
        #expect(theme[.dim] == CellStyle(fg: .ansi(8)))
        #expect(theme[.title] == CellStyle(attributes: [.bold, .underline]))
        #expect(theme[.error] == CellStyle(fg: .ansi(1), attributes: .reverse))
        // Roles the file leaves out come from the built-in theme.
        #expect(theme[.selection] == Theme.builtinDefault[.selection])
    }

    @Test("errors name the line of the offending node", arguments: [
        ("styles:\n  text: {fg: purple}\n", 2, "unknown colour `purple`"),
        ("styles:\n  text: red\n  bogus-role: red\n", 3, "unknown role `bogus-role`"),
        ("styles:\n  text:\n    fg: 300\n", 3, "outside 0-255"),
        ("styles:\n  text:\n    fg: #ff0000\n", 3, "quote it"),
        ("name: x\nstyles:\n  text: {fg: red, attrs: [bold, sparkly]}\n", 3, "unknown attribute `sparkly`"),
        ("name: x\nstyles: [1, 2]\n", 2, "`styles` must map"),
        ("name: x\ncolours: {}\n", 2, "unknown key `colours`"),
        ("styles:\n  text: {fg: \"#12345\"}\n", 2, "not a #rrggbb"),
        ("styles:\n  text: {fg: red, under: blue}\n", 2, "unknown style key"),
        ("name: [unclosed\n", 2, "YAML syntax"),
        ("", 1, "empty"),
    ])
    func errorsCarryLines(yaml: String, line: Int, message: String) {
        #expect {
            _ = try Theme.parse(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? ThemeError else { return false }
            return error.file == "bad.yaml" && error.line == line && error.message.contains(message)
        }
    }
}

@Suite("Theme colour degradation")
struct ThemeColorTests {
    @Test func detection() {
        #expect(ColorCapability.detect(colors: 256, environment: [:]) == .ansi256)
        #expect(ColorCapability.detect(colors: 8, environment: [:]) == .ansi16)
        #expect(ColorCapability.detect(colors: 2, environment: ["COLORTERM": "truecolor"]) == .none)
        #expect(ColorCapability.detect(colors: 256, environment: ["COLORTERM": "24bit"]) == .trueColor)
        #expect(ColorCapability.detect(colors: 256, environment: ["COLORTERM": "truecolor", "NO_COLOR": "1"]) == .none)
        #expect(ColorCapability.detect(colors: 256, environment: ["NO_COLOR": ""]) == .ansi256)
    }

    @Test func rgbMapsToNearestPaletteColour() {
        #expect(TerminalColor.rgb(255, 0, 0).adapted(to: .ansi256) == .ansi(196))
        #expect(TerminalColor.rgb(0, 43, 54).adapted(to: .ansi256) == .ansi(235))  // Solarized base03: a near-black grey
        #expect(TerminalColor.rgb(128, 128, 128).adapted(to: .ansi256) == .ansi(244))
        #expect(TerminalColor.rgb(250, 10, 10).adapted(to: .ansi16) == .ansi(9))
        #expect(TerminalColor.rgb(0, 0, 0).adapted(to: .ansi16) == .ansi(0))
        #expect(TerminalColor.ansi(236).adapted(to: .ansi16) == .ansi(0))
        #expect(TerminalColor.ansi(196).adapted(to: .ansi16) == .ansi(9))
        #expect(TerminalColor.rgb(1, 2, 3).adapted(to: .trueColor) == .rgb(1, 2, 3))
        #expect(TerminalColor.ansi(5).adapted(to: .none) == .default)
        #expect(TerminalColor.default.adapted(to: .ansi16) == .default)
    }

    @Test("every adapted theme uses only colours the terminal has", arguments: ColorCapability.allCases)
    func adaptedThemesFit(capability: ColorCapability) throws {
        let loader = ThemeLoader(searchDirectories: [repositoryThemes])
        for name in loader.availableThemes() {
            let theme = try loader.load(name).adapted(to: capability)
            for role in ThemeRole.allCases {
                for color in [theme[role].fg, theme[role].bg] {
                    switch (color, capability) {
                    case (.default, _), (_, .trueColor): break
                    case (.ansi(let index), .ansi16): #expect(index < 16, "\(name) \(role)")
                    case (.ansi, .ansi256): break
                    default: Issue.record("\(name) \(role): \(color) on \(capability)")
                    }
                }
            }
        }
    }

    @Test func monochromeKeepsRolesApart() {
        let mono = Theme.builtinDefault.adapted(to: .none)
        #expect(mono[.selection].attributes.contains(.reverse))
        #expect(mono[.selection].fg == .default && mono[.selection].bg == .default)
        #expect(mono[.highlight] != mono[.selection])
        #expect(mono[.highlight] != mono[.text])
        #expect(mono[.statusError].attributes.contains(.bold))
        #expect(mono[.text] == .plain)
    }
}
