#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmSources
import CharmTelemetry
import CharmWire
import Foundation
import Testing

@Suite("Sources: Unix and TCP listeners")
struct SourceSocketTests {
    @Test("two Unix-socket producers at once, each its own source; 0600; stale socket replaced")
    func twoUnixProducers() async throws {
        let path = temporaryPath("m.sock")
        // A stale socket file left by a crashed monitor.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in path.utf8.enumerated() { p[i] = b } }
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)

        let sink = CollectingSink()
        let hub = SourceHub(sink: sink)
        defer { hub.stop() }
        try await hub.start(.unix(path: path))
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)

        let a = connectUnix(path)
        let b = connectUnix(path)
        #expect(a >= 0 && b >= 0)
        for i in 1...100 {
            writeAll(a, tokenLine(run: "A", seq: i, token: "a"))
            writeAll(b, tokenLine(run: "B", seq: i, token: "b"))
            if i % 10 == 0 { writeAll(a, garbage); writeAll(b, garbage) }
        }
        // B disconnects mid-line: that last line is still decoded (it is complete JSON).
        writeAll(b, String(tokenLine(run: "B", seq: 101, token: "b").dropLast()))
        close(a)
        close(b)
        let names = ["unix:\(path)#1", "unix:\(path)#2"]
        #expect(await eventually { names.allSatisfy { sink.entry($0).phases.last == .ended } })
        let counts = names.map { sink.hookEvents($0).count }.sorted()
        #expect(counts == [100, 101])
        for n in names {
            let runs = Set(sink.hookEvents(n).map(\.runID))
            #expect(runs.count == 1)
            let records = sink.entry(n).records
            #expect(records.contains { if case .malformed = $0 { true } else { false } })
        }
    }

    @Test("TCP producer without the token is refused with a message; with it, accepted")
    func tcpToken() async throws {
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink)
        defer { hub.stop() }
        let started = try await hub.start(.tcp(host: "127.0.0.1", port: 0, token: "s3cret"))
        let port = try #require(started.port)

        let bad = connectTCP(port)
        #expect(bad >= 0)
        writeAll(bad, "wrong\n" + tokenLine(run: "X", seq: 1, token: "x"))
        let reply = String(decoding: readAll(bad), as: UTF8.self)
        close(bad)
        #expect(reply.contains("refused"))

        let good = connectTCP(port)
        writeAll(good, "s3cret\n" + tokenLine(run: "Y", seq: 1, token: "y"))
        writeAll(good, garbage)
        writeAll(good, tokenLine(run: "Y", seq: 2, token: "z"))
        close(good)
        let badName = "tcp:127.0.0.1:\(port)#1"
        let goodName = "tcp:127.0.0.1:\(port)#2"
        #expect(await eventually { sink.entry(goodName).phases.last == .ended })
        #expect(sink.entry(badName).phases.contains(.failed))
        #expect(sink.hookEvents(badName).isEmpty)
        #expect(sink.hookEvents(goodName).map(\.runID) == ["Y", "Y"])
    }

    @Test("a port in use fails that source only")
    func bindFailure() async throws {
        let sink = CollectingSink()
        let hub = SourceHub(sink: sink)
        defer { hub.stop() }
        let first = try await hub.start(.tcp(host: "127.0.0.1", port: 0, token: nil))
        let port = try #require(first.port)
        await #expect(throws: SourceSetupError.self) {
            try await hub.start(.tcp(host: "127.0.0.1", port: port, token: nil))
        }
        #expect(hub.openFailures == 1)
        let fd = connectTCP(port)
        writeAll(fd, tokenLine(run: "Z", seq: 1, token: "z"))
        close(fd)
        #expect(await eventually { sink.hookEvents("tcp:127.0.0.1:\(port)#1").count == 1 })
    }

    @Test("listen addresses parse, and only loopback counts as loopback")
    func addresses() throws {
        #expect(try ListenAddress.parse("unix:/tmp/x.sock") == .unix(path: "/tmp/x.sock"))
        #expect(try ListenAddress.parse("tcp:127.0.0.1:7000") == .tcp(host: "127.0.0.1", port: 7000))
        #expect(try ListenAddress.parse("tcp:[::1]:7000") == .tcp(host: "::1", port: 7000))
        #expect(try ListenAddress.parse("tcp:7000") == .tcp(host: "127.0.0.1", port: 7000))
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress.parse("udp:1") }
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress.parse("tcp:host:99999") }
        #expect(ListenAddress.isLoopback("127.0.0.1"))
        #expect(!ListenAddress.isLoopback("0.0.0.0"))
    }
}
