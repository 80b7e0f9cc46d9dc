/// The protobuf wire format, just what OTLP's trace messages need.
///
/// Hand-written on purpose: the OTLP trace request is five small messages, and the
/// alternatives cost more than these lines. swift-otel adds a 7-minute build and keeps its
/// generated OTLP types internal; generating our own with swift-protobuf needs `protoc` and
/// the .proto files at build time. The tests decode our bytes with the official
/// `opentelemetry-proto` Python package, which is the judge of correctness.
struct ProtobufWriter {
    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// A varint field (int32, int64, uint, bool and enum all encode this way for
    /// non-negative values); proto3 omits zero.
    mutating func uint(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    /// An int64 oneof member, always written (a oneof's zero is still "set"); negative
    /// values are their two's complement as a 10-byte varint.
    mutating func int64Member(_ field: Int, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A bool oneof member (AnyValue), always written: false is still "set".
    mutating func bool(_ field: Int, _ value: Bool) {
        tag(field, .varint)
        varint(value ? 1 : 0)
    }

    /// A fixed64 field (OTLP timestamps).
    mutating func fixed64(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .fixed64)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    /// A double field, always written (AnyValue's oneof needs it even at zero).
    mutating func double(_ field: Int, _ value: Double) {
        tag(field, .fixed64)
        let v = value.bitPattern
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// A bytes field; empty is omitted.
    mutating func data(_ field: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field; `always` writes it even when empty (oneof members).
    mutating func string(_ field: Int, _ value: String, always: Bool = false) {
        guard always || !value.isEmpty else { return }
        tag(field, .lengthDelimited)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// An embedded message, built by `body` (written even when empty: presence matters).
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        tag(field, .lengthDelimited)
        varint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }
}
