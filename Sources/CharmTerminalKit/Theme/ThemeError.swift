/// Why a theme did not load, with the file and line to fix, formatted like a compiler
/// diagnostic (`file:line:column: message`) so editors can jump to it.
package struct ThemeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The theme file, or the name that was looked for.
    package var file: String
    /// 1-based line of the problem, when known.
    package var line: Int?
    /// 1-based column of the problem, when known.
    package var column: Int?
    /// What is wrong, in words.
    package var message: String

    /// Creates an error.
    package init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, leaving out what is unknown.
    package var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(message)"
    }
}
