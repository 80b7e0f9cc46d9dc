import CZlib

/// Gunzip for reading what the exporters sent (the library's own `Gzip` is internal and the
/// tests must not depend on `@testable`).
enum GzipForTests {
    struct Failure: Error { var code: Int32 }

    static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var rc = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Failure(code: rc) }
        defer { inflateEnd(&stream) }
        var input = bytes
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { outp -> Int in
                    stream.next_out = outp.baseAddress
                    stream.avail_out = uInt(outp.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    return outp.count - Int(stream.avail_out)
                }
                guard rc == Z_OK || rc == Z_STREAM_END else { throw Failure(code: rc) }
                result.append(contentsOf: chunk[0..<produced])
            } while rc != Z_STREAM_END
        }
        return result
    }
}
