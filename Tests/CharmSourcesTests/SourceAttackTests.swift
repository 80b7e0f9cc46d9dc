#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmSources
import CharmTelemetry
import CharmWire
import Foundation
import Synchronization
import Testing

/// A blocking HTTP server on loopback whose every connection is scripted: `script` gets the
/// connection's number (from 1) and the `Last-Event-ID` it sent, and returns the pieces of
/// the response, each written with its own `write` (TCP_NODELAY), before the server closes.
final class ScriptedSSEServer: Sendable {
    let port: Int
    private let listener: Int32
    /// The `Last-Event-ID` of each request, in order.
    let lastEventIDs = IDLog()

    init(_ script: @escaping @Sendable (_ connection: Int, _ lastEventID: String?) -> [[UInt8]]) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(listener, 16)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        let ids = lastEventIDs
        Thread.detachNewThread {
            var n = 0
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                n += 1
                var one: Int32 = 1
                setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                let last = ScriptedSSEServer.readHead(c)
                ids.append(last)
                for piece in script(n, last) { writeAll(c, piece) }
                close(c)
            }
        }
    }

    /// Reads the request head; returns its `Last-Event-ID`.
    static func readHead(_ c: Int32) -> String? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while read(c, &byte, 1) == 1 {
            head.append(byte)
            if head.suffix(4) == Array("\r\n\r\n".utf8) { break }
        }
        return String(decoding: head, as: UTF8.self).split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("last-event-id:") }
            .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) }
    }

    static let okHead = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".utf8)

    /// Event `i` (a token `t<i>` of run S) with its id, as an SSE frame.
    static func event(_ i: Int) -> String {
        "id: \(i)\ndata: " + String(tokenLine(run: "S", seq: i, token: "t\(i)", prefix: "").dropLast()) + "\n\n"
    }

    static let runFinished = "data: {\"type\": \"internal_run_finished\", \"content\": {\"exit_code\": 0}}\n\n"

    var requests: Int { lastEventIDs.all.count }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
}

/// The tokens delivered by a source, in order.
func tokens(_ sink: CollectingSink, _ name: String) -> [String] {
    sink.hookEvents(name).compactMap { e -> String? in
        if case .llmNewToken(let t) = e.payload { t } else { nil }
    }
}

@Suite("Sources under attack: SSE cuts, floods, lies; listeners", .serialized)
struct SourceAttackTests {
    @Test("SSE: a cut right after `id: 6` reconnects with Last-Event-ID 5, so event 6 comes again (10.2)")
    func cutAfterIDKeepsTheEvent() async throws {
        let server = ScriptedSSEServer { n, last in
            let from = (last.flatMap { Int($0) } ?? 0) + 1
            var body = ""
            switch n {
            case 1:
                for i in 1...5 { body += ScriptedSSEServer.event(i) }
                body += "id: 6\n"  // cut after the id line: event 6 was not dispatched
            case 2:
                for i in from...7 { body += ScriptedSSEServer.event(i) }
                body += "id: 8\ndata: {\"type\": \"delta\", \"con"  // cut inside the frame after its id
            default:
                for i in from...9 { body += ScriptedSSEServer.event(i) }
                body += ScriptedSSEServer.runFinished
            }
            return [ScriptedSSEServer.okHead, Array(body.utf8)]
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.02)
        let url = "http://127.0.0.1:\(server.port)/runs/6/stream"
        try await hub.start(.sse(url: url, maxRetries: 3))
        await hub.waitForFiniteSources()
        let name = "sse:\(url)"
        #expect(server.lastEventIDs.all == [nil, "5", "7"])
        #expect(tokens(sink, name) == (1...9).map { "t\($0)" })
        #expect(sink.entry(name).phases.last == .ended)
    }

    @Test("SSE: data lines without a blank line are bounded as a whole frame, skipped and counted (10.5)")
    func frameLimit() async throws {
        let limit = 64 << 10
        let line = "data: " + String(repeating: "x", count: 1_000) + "\n"
        let lines = 2_000  // about 2 MB in one frame, 32 times the limit
        let server = ScriptedSSEServer { _, _ in
            var pieces = [ScriptedSSEServer.okHead, Array(ScriptedSSEServer.event(1).utf8)]
            let chunk = Array(String(repeating: line, count: 100).utf8)
            for _ in 0..<(lines / 100) { pieces.append(chunk) }
            pieces.append(Array(("\n" + ScriptedSSEServer.event(2) + ScriptedSSEServer.runFinished).utf8))
            return pieces
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.02, sseMaxLineLength: limit)
        let url = "http://127.0.0.1:\(server.port)/"
        try await hub.start(.sse(url: url, maxRetries: 2))
        await hub.waitForFiniteSources()
        let name = "sse:\(url)"
        let records = sink.entry(name).records
        let oversized = records.compactMap { r -> Int? in if case .oversized(let b, _) = r { b } else { nil } }
        // One record, made when the frame crossed the limit: its data so far, 1,000 bytes a
        // line joined by newlines, the first size over the limit.
        let crossing = limit / 1_001 + 1
        #expect(oversized == [crossing * 1_000 + crossing - 1])
        #expect(!records.contains { if case .malformed = $0 { true } else { false } })
        #expect(tokens(sink, name) == ["t1", "t2"])
        #expect(server.requests == 1)
        #expect(sink.entry(name).phases.last == .ended)
    }

    @Test("decoder: an oversized frame is one record in line order with oversized lines, whatever the chunking")
    func oversizedFrameOrder() {
        // Frames that outgrow small limits, with oversized lines inside and between them.
        let text = "data: aaaa\ndata: bbbbbbbb\n" + String(repeating: "z", count: 40) + "\ndata: cc\n\n"
            + "id: 3\ndata: " + String(repeating: "d", count: 30) + "\n\n" + "data: {\"type\": \"x\"}\n\n"
        let bytes = Array(text.utf8)
        for limit in 1...45 {
            func decode(_ chunk: Int) -> [DecodedRecord] {
                var d = StreamDecoder(sourceName: "t", maxLineLength: limit)
                var out: [DecodedRecord] = []
                var i = 0
                while i < bytes.count {
                    Array(bytes[i..<min(i + chunk, bytes.count)]).withUnsafeBytes { d.feed($0) { out.append($0) } }
                    i += chunk
                }
                d.finish { out.append($0) }
                return out
            }
            let whole = decode(bytes.count)
            let lines = whole.compactMap { r -> Int? in if case .oversized(_, let l) = r { l } else { nil } }
            #expect(lines == lines.sorted() && Set(lines).count == lines.count, "limit \(limit): \(lines)")
            #expect(whole.allSatisfy { if case .oversized(let b, _) = $0 { b > limit } else { true } })
            for chunk in [1, 2, 7] { #expect(decode(chunk) == whole, "limit \(limit), chunks of \(chunk)") }
        }
    }

    @Test("SSE: a 20 MB event is skipped and counted as oversized, and the stream goes on (10.16)")
    func twentyMegabyteEvent() async throws {
        let server = ScriptedSSEServer { _, _ in
            let big = "id: 1\ndata: {\"type\": \"delta\", \"content\": \"" + String(repeating: "y", count: 20_000_000) + "\"}\n\n"
            return [ScriptedSSEServer.okHead, Array(big.utf8), Array((ScriptedSSEServer.event(2) + ScriptedSSEServer.runFinished).utf8)]
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.02)
        let url = "http://127.0.0.1:\(server.port)/"
        try await hub.start(.sse(url: url, maxRetries: 2))
        await hub.waitForFiniteSources()
        let name = "sse:\(url)"
        let oversized = sink.entry(name).records.compactMap { r -> Int? in if case .oversized(let b, _) = r { b } else { nil } }
        #expect(oversized.count == 1)
        #expect((oversized.first ?? 0) > 20_000_000)
        #expect(tokens(sink, name) == ["t2"])
        #expect(server.requests == 1)
    }

    @Test(
        "SSE: a server that answers bytes but no event is given up on after --sse-retries, as failed (10.8)",
        arguments: ["html", "comments", "junk"])
    func givesUpWithoutEvents(kind: String) async throws {
        let server = ScriptedSSEServer { _, _ in
            switch kind {
            case "html":
                return [Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n".utf8),
                        Array("<!doctype html>\n<html><body>Login required</body></html>\n".utf8)]
            case "comments":
                return [ScriptedSSEServer.okHead, Array(String(repeating: ": keep-alive\n\n", count: 50).utf8)]
            default:
                return [ScriptedSSEServer.okHead, Array("data: {not json\n\nhello\n\n".utf8)]
            }
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.01)
        defer { hub.stop() }
        let url = "http://127.0.0.1:\(server.port)/"
        try await hub.start(.sse(url: url, maxRetries: 2))
        let name = "sse:\(url)"
        // Fetched every backoff forever before the fix: wait for the end, with a deadline.
        #expect(await eventually(30) { sink.entry(name).phases.last == .failed })
        #expect(server.requests == 3)  // the first attempt and two retries
        #expect(hub.failedSources == 1)
        #expect(sink.entry(name).errors.last?.contains("gave up after 3 attempts") == true)
    }

    @Test("SSE: CR-only line endings (allowed by the specification) are read, not refetched forever (10.8)")
    func carriageReturnLineEndings() async throws {
        let server = ScriptedSSEServer { _, _ in
            let text = (1...3).map(ScriptedSSEServer.event).joined() + ScriptedSSEServer.runFinished
            let cr = Array(text.replacingOccurrences(of: "\n", with: "\r").utf8)
            // Split in the middle of the stream as well as at a CR.
            let cut = cr.firstIndex(of: 0x0D)! + 1
            return [ScriptedSSEServer.okHead, Array(cr[..<cut]), Array(cr[cut...])]
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.01)
        defer { hub.stop() }
        let url = "http://127.0.0.1:\(server.port)/"
        try await hub.start(.sse(url: url, maxRetries: 2))
        let name = "sse:\(url)"
        #expect(await eventually(30) { [.ended, .failed].contains(sink.entry(name).phases.last) })
        #expect(tokens(sink, name) == ["t1", "t2", "t3"])
        #expect(sink.entry(name).phases.last == .ended)
        #expect(server.requests == 1)
    }

    @Test("SSE line endings: CRLF, LF and CR become LF whatever the chunking, a CRLF split across chunks once")
    func lineEndingsChunked() {
        let input = Array("a\r\nb\rc\n\r\rd\r\n\r\ne\r".utf8)
        let expected = Array("a\nb\nc\n\n\nd\n\ne\n".utf8)
        for size in 1...input.count {
            var normalizer = SSELineEndings()
            var out: [UInt8] = []
            var i = 0
            while i < input.count {
                let piece = Array(input[i..<min(i + size, input.count)])
                piece.withUnsafeBytes { normalizer.normalize($0) { out.append(contentsOf: $0) } }
                i += size
            }
            #expect(out == expected, "chunks of \(size)")
        }
        // A CR ending one connection does not swallow the LF starting the next.
        var n = SSELineEndings()
        var out: [UInt8] = []
        Array("x\r".utf8).withUnsafeBytes { n.normalize($0) { out.append(contentsOf: $0) } }
        n.reset()
        Array("\ny\n".utf8).withUnsafeBytes { n.normalize($0) { out.append(contentsOf: $0) } }
        #expect(out == Array("x\n\ny\n".utf8))
    }

    @Test("SSE: giving up after a drop is a failure, not an end: a cut stream must not look complete (10.16)")
    func giveUpAfterDropFails() async throws {
        let server = ScriptedSSEServer { n, _ in
            // The first connection delivers and drops; the server then answers nothing.
            n == 1
                ? [ScriptedSSEServer.okHead, Array(((1...3).map(ScriptedSSEServer.event).joined()).utf8)]
                : [ScriptedSSEServer.okHead]
        }
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.01)
        let url = "http://127.0.0.1:\(server.port)/"
        try await hub.start(.sse(url: url, maxRetries: 1))
        await hub.waitForFiniteSources()
        let name = "sse:\(url)"
        #expect(tokens(sink, name) == ["t1", "t2", "t3"])
        #expect(sink.entry(name).phases.last == .failed)
        #expect(hub.failedSources == 1)
        #expect(hub.openFailures == 0)  // it did open
        #expect(server.requests == 2)
    }

    @Test("a second listener on a live Unix socket is refused and the first keeps it; a stale one is replaced (10.16)")
    func unixSocketInUse() async throws {
        let path = temporaryPath("live.sock")
        let sink = CollectingSink()
        let first = SourceHub(sink: sink)
        defer { first.stop() }
        try await first.start(.unix(path: path))

        let second = SourceHub(sink: CollectingSink())
        defer { second.stop() }
        do {
            try await second.start(.unix(path: path))
            Issue.record("the second listener took the live socket")
        } catch {
            #expect(error.reason.contains("in use"))
        }
        #expect(second.openFailures == 1)
        #expect(second.failedSources == 1)

        // The first monitor still gets the producers (its probe connection aside).
        let fd = connectUnix(path)
        #expect(fd >= 0)
        writeAll(fd, tokenLine(run: "U", seq: 1, token: "u"))
        close(fd)
        #expect(await eventually { sink.all.keys.contains { sink.hookEvents($0).count == 1 } })

        // Once the first is gone, the socket file it leaves is stale and is replaced.
        first.stop()
        #expect(await eventually { UnixSocketProbeForTests.refused(path) })
        let third = SourceHub(sink: CollectingSink())
        defer { third.stop() }
        try await third.start(.unix(path: path))
        #expect(third.openFailures == 0)
    }

    @Test("loopback is decided on addresses, never on text (10.14)")
    func loopbackOnAddresses() async throws {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"] {
            #expect(ListenAddress.isLoopback(host), "\(host)")
        }
        for host in ["127.evil.example", "127.0.0.1.evil.example.invalid", "0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1",
                     "1.2.3.4", "localhost.evil.invalid", ""] {
            #expect(!ListenAddress.isLoopback(host), "\(host)")
        }
        // The listener checks what it binds: without a token, nothing but loopback.
        let hub = SourceHub(sink: CollectingSink())
        defer { hub.stop() }
        await #expect(throws: SourceSetupError.self) { try await hub.start(.tcp(host: "0.0.0.0", port: 0, token: nil)) }
        let ok = try await hub.start(.tcp(host: "localhost", port: 0, token: nil))
        #expect(ok.port != nil)
    }
}

/// Whether connecting to the Unix socket at `path` is refused (no one listens).
enum UnixSocketProbeForTests {
    static func refused(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in path.utf8.enumerated() { p[i] = b } }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return r != 0
    }
}
