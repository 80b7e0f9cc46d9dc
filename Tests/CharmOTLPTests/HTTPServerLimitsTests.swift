#if canImport(Glibc)
import Glibc
#endif
import CharmTelemetry
import Foundation
import CharmTestSupport
import Testing

@testable import CharmOTLP

/// One HTTP/1.1 request over a plain socket; the raw answer (head and body) as text.
private func post(port: Int, path: String = "/v1/traces", body: [UInt8], headers: [String] = []) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var head = "POST \(path) HTTP/1.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: \(body.count)\r\n"
    if !headers.contains(where: { $0.lowercased().hasPrefix("host:") }) { head += "Host: 127.0.0.1:\(port)\r\n" }
    for h in headers { head += h + "\r\n" }
    head += "Connection: close\r\n\r\n"
    let bytes = Array(head.utf8) + body
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("OTLP/HTTP under load: bounded memory, 503 with Retry-After, and recovery", .blocksThreads, .serialized)
struct HTTPServerLimitsTests {
    private func server(_ options: OTLPReceiverOptions) async throws -> (OTLPHTTPServer, OTLPIngest) {
        let ingest = OTLPIngest { _, _ in }
        return (try await OTLPHTTPServer.start(host: "127.0.0.1", port: 0, ingest: ingest, options: options), ingest)
    }

    @Test("bodies held over all connections past their bound: 503 with Retry-After; within it: 200")
    func bytesInFlight() async throws {
        var o = OTLPReceiverOptions()
        o.maxBytesInFlight = 1_000
        o.retryAfterSeconds = 7
        let (s, _) = try await server(o)
        let big = try post(port: s.port, body: [UInt8](repeating: 0, count: 2_000))
        #expect(big.hasPrefix("HTTP/1.1 503"), "\(big.prefix(200))")
        #expect(big.lowercased().contains("retry-after: 7"))
        // Nothing stays reserved after a refusal: an empty (valid) request is still taken.
        let small = try post(port: s.port, body: [])
        #expect(small.hasPrefix("HTTP/1.1 200"), "\(small.prefix(200))")
        await s.close()
    }

    @Test("more requests being applied than allowed: 503 with Retry-After")
    func requestsInFlight() async throws {
        var o = OTLPReceiverOptions()
        o.maxRequestsInFlight = 0
        let (s, _) = try await server(o)
        let began = ContinuousClock.now
        let r = try post(port: s.port, body: [])
        #expect(r.hasPrefix("HTTP/1.1 503"), "\(r.prefix(200))")
        #expect(r.lowercased().contains("retry-after: 1"))
        // The connection was closed after the answer (Connection: close), not left for the
        // client's 30 s timeout.
        #expect(ContinuousClock.now - began < .seconds(15))
        await s.close()
    }

    @Test("a gzip bomb is cut at the decompressed bound: 400, never unbounded memory")
    func gzipBomb() async throws {
        var o = OTLPReceiverOptions()
        o.maxDecompressedBytes = 1 << 20
        let (s, _) = try await server(o)
        // 8 MiB of zeros gzips to a few KiB.
        let bomb = try gzip([UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 64 << 10)
        let r = try post(port: s.port, body: bomb, headers: ["Content-Encoding: gzip"])
        #expect(r.hasPrefix("HTTP/1.1 400"), "\(r.prefix(200))")
        await s.close()
    }

    @Test("without a token only loopback Hosts are served (DNS rebinding gets 403); with one, the token decides")
    func hostCheck() async throws {
        let (open, _) = try await server(OTLPReceiverOptions())
        for host in ["127.0.0.1:4318", "localhost", "[::1]:4318", "LOCALHOST:1"] {
            let r = try post(port: open.port, body: [], headers: ["Host: \(host)"])
            #expect(r.hasPrefix("HTTP/1.1 200"), "\(host): \(r.prefix(120))")
        }
        for host in ["evil.example", "evil.example:4318", "10.0.0.1:4318", "127.0.0.1.evil.example"] {
            let r = try post(port: open.port, body: [], headers: ["Host: \(host)"])
            #expect(r.hasPrefix("HTTP/1.1 403"), "\(host): \(r.prefix(120))")
        }
        await open.close()
        let (guarded, _) = try await server(OTLPReceiverOptions(token: "t"))
        let r = try post(port: guarded.port, body: [], headers: ["Host: collector.example", "Authorization: Bearer t"])
        #expect(r.hasPrefix("HTTP/1.1 200"), "\(r.prefix(120))")
        await guarded.close()
    }
}

/// `bytes` gzipped by the system's gzip (an independent encoder).
private func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "gzip -c"]
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try p.run()
    Thread.detachNewThread {
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(data)
}
