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

/// A tiny blocking HTTP server on loopback serving Server-Sent Events: the first connection
/// sends events 1–3 (with ids) and drops mid-frame; later connections resume after the
/// `Last-Event-ID` they send and end with `internal_run_finished`.
final class DroppingSSEServer: Sendable {
    let port: Int
    private let listener: Int32
    let lastEventIDs: IDLog

    init() {
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
        listen(listener, 8)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        lastEventIDs = IDLog()
        let fd = listener
        let ids = lastEventIDs
        Thread.detachNewThread {
            var n = 0
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return }
                n += 1
                DroppingSSEServer.serve(c, connection: n, ids: ids)
            }
        }
    }

    static func event(_ i: Int) -> String {
        "id: \(i)\ndata: " + String(tokenLine(run: "S", seq: i, token: "t\(i)", prefix: "").dropLast()) + "\n\n"
    }

    static func serve(_ c: Int32, connection: Int, ids: IDLog) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while read(c, &byte, 1) == 1 {
            head.append(byte)
            if head.suffix(4) == Array("\r\n\r\n".utf8) { break }
        }
        let request = String(decoding: head, as: UTF8.self)
        let last = request.split(separator: "\r\n").first { $0.lowercased().hasPrefix("last-event-id:") }
            .map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) }
        ids.append(last)
        var body = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        if connection == 1 {
            body += ": hello\n\n" + event(1) + "garbage line\n\n" + event(2) + event(3)
            body += "data: {\"type\": \"delta\", \"con"  // cut mid-frame
        } else {
            let from = (last.flatMap { Int($0) } ?? 0) + 1
            for i in from...5 { body += event(i) }
            body += "data: {\"type\": \"internal_run_finished\", \"content\": {\"exit_code\": 0}}\n\n"
        }
        writeAll(c, body)
        close(c)
    }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
}

/// The `Last-Event-ID` header of each request, in order.
final class IDLog: Sendable {
    private let ids = Mutex<[String?]>([])
    func append(_ id: String?) { ids.withLock { $0.append(id) } }
    var all: [String?] { ids.withLock { $0 } }
}

@Suite("Sources: SSE", .serialized)
struct SourceSSETests {
    @Test("SSE: the client reconnects after a drop with Last-Event-ID and loses no event")
    func reconnect() async throws {
        let server = DroppingSSEServer()
        defer { server.stop() }
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.05)
        let url = "http://127.0.0.1:\(server.port)/runs/1/stream"
        try await hub.start(.sse(url: url, maxRetries: 3))
        await hub.waitForFiniteSources()
        let name = "sse:\(url)"
        let tokens = sink.hookEvents(name).compactMap { e -> String? in
            if case .llmNewToken(let t) = e.payload { t } else { nil }
        }
        #expect(tokens == ["t1", "t2", "t3", "t4", "t5"])
        #expect(server.lastEventIDs.all == [nil, "3"])
        // The frame cut by the drop is not an error: it is dropped and comes again.
        let malformed = sink.entry(name).records.filter { if case .malformed = $0 { true } else { false } }
        #expect(malformed.isEmpty)
        #expect(sink.entry(name).errors.contains { $0.contains("unfinished event of 28 bytes was dropped") })
        #expect(sink.entry(name).phases.contains(.waiting))
        #expect(sink.entry(name).phases.last == .ended)
        #expect(sink.events(name).last?.type == "internal_run_finished")
        #expect(hub.openFailures == 0)
    }

    @Test("SSE: a server that is not there fails that source after its retries")
    func unreachable() async throws {
        // A port that was free a moment ago and has no listener now (no server thread, so
        // no accept loop can pick up a reused descriptor).
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                bind(probe, p, len)
                return getsockname(probe, p, &len)
            }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(probe)
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink, sseInitialBackoff: 0.01, sseConnectTimeout: 0.5)
        let url = "http://127.0.0.1:\(port)/"
        let started = Date()
        try await hub.start(.sse(url: url, maxRetries: 2))
        await hub.waitForFiniteSources()
        #expect(sink.entry("sse:\(url)").phases.last == .failed)
        #expect(hub.openFailures == 1)
        // Only "gave up" against "kept retrying": 1.5 s alone, 18 s seen on a loaded machine.
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
