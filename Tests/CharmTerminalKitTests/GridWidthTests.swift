import CharmTerminalKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("DisplayWidth")
struct WidthTests {
    @Test("widths of single grapheme clusters", arguments: [
        ("a", 1), ("ツ", 2), ("e\u{301}", 1), ("\u{301}", 0), ("🙂", 2), ("中", 2),
        ("Ａ", 2), ("한", 2), ("❤", 1), ("❤️", 2), ("👨‍👩‍👧", 2), ("🇫🇷", 2),
        ("\u{200B}", 0), ("\u{200D}", 0), ("\u{1b}", 0), ("\t", 0), ("é", 1), ("\u{AD}", 1),
    ])
    func character(text: String, width: Int) {
        #expect(text.count == 1)
        #expect(DisplayWidth.of(Character(text)) == width)
    }

    @Test func stringsSumTheirClusters() {
        #expect(DisplayWidth.of("") == 0)
        #expect(DisplayWidth.of("hello") == 5)
        #expect(DisplayWidth.of("日本語テキスト") == 14)
        #expect(DisplayWidth.of("ツa🙂e\u{301}") == 6)
    }

    #if canImport(Glibc)
    /// glibc's `wcwidth` is the oracle: it is what ncurses measures with when it draws.
    @Test func agreesWithTheCLibrary() throws {
        let oracle = try #require(CWidth())
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x52F, 0x590...0x6FF, 0x900...0x97F, 0xE00...0xE7F,
            0x1100...0x11FF, 0x2000...0x206F, 0x2100...0x27BF, 0x2E80...0x30FF,
            0x3100...0x31FF, 0x4E00...0x4FFF, 0xAC00...0xADFF, 0xFE00...0xFFEF,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x200FF, 0x110B0...0x110CF,
        ]
        var compared = 0
        var mismatches: [String] = []
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let expected = oracle.width(of: scalar)
                guard expected >= 0 else { continue }  // unassigned in the C library's Unicode
                compared += 1
                if DisplayWidth.of(scalar) != expected {
                    mismatches.append("U+\(String(value, radix: 16, uppercase: true)) ours \(DisplayWidth.of(scalar)) libc \(expected)")
                }
            }
        }
        #expect(compared > 3000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(30))")
        for sample in ["ツ", "🙂", "a"] {
            let scalar = sample.unicodeScalars.first!
            #expect(oracle.width(of: scalar) == DisplayWidth.of(Character(sample)))
        }
        #expect(oracle.width(of: "\u{301}") == 0)
    }
    #endif
}

#if canImport(Glibc)
/// `wcwidth` looked up at run time: Swift cannot import it through Glibc, and a test-only
/// `dlsym` keeps the pure core free of C. It runs under a thread-local UTF-8 locale so
/// other tests running in parallel keep theirs.
struct CWidth {
    private let function: @convention(c) (Int32) -> Int32
    private let locale: locale_t

    init?() {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "wcwidth"),
              let locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return nil }
        function = unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        self.locale = locale
    }

    func width(of scalar: Unicode.Scalar) -> Int {
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        return Int(function(Int32(bitPattern: scalar.value)))
    }
}
#endif
