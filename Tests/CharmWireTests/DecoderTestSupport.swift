@testable import CharmWire

extension StreamDecoder {
    /// The one record a single line decodes to; `nil` when it makes none or several.
    static func decodeOne(_ line: String) -> DecodedRecord? {
        let out = decodeAll(line + "\n", sourceName: "t")
        return out.count == 1 ? out[0] : nil
    }
}
