#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One source the user asked for.
package enum SourceSpec: Sendable {
    /// Standard input (used when it is a pipe or a file).
    case stdin
    /// A file, read to its end; with `follow`, kept open like `tail -F`; with `replaySpeed`,
    /// paced by the events' telemetry timestamps, `replaySpeed` times faster.
    case file(path: String, follow: Bool, replaySpeed: Double?)
    /// A Unix domain socket to listen on; every producer that connects is its own source.
    case unix(path: String)
    /// A TCP address to listen on; `token`, when set, must be each producer's first line.
    case tcp(host: String, port: Int, token: String?)
    /// The Charm runner's Server-Sent Events stream at `url`, reconnected up to `maxRetries`
    /// times in a row with exponential backoff.
    case sse(url: String, maxRetries: Int)
    /// An in-process producer of bytes (the simulated agent of `--demo`).
    case demo(name: String, bytes: AsyncStream<[UInt8]>)

    /// The name the source is shown under (listeners add `#N` per connection).
    package var displayName: String {
        switch self {
        case .stdin: "stdin"
        case .file(let path, _, _): "file:\(path)"
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port, _): "tcp:\(ListenAddress.hostPort(host, port))"
        case .sse(let url, _): "sse:\(url)"
        case .demo(let name, _): name
        }
    }

    /// Whether it ends by itself (files without follow, stdin, SSE, demo); listeners and
    /// followed files run until stopped.
    package var isFinite: Bool {
        switch self {
        case .stdin, .sse, .demo: true
        case .file(_, let follow, _): !follow
        case .unix, .tcp: false
        }
    }
}

/// A `--listen` address: `unix:PATH` or `tcp:HOST:PORT`.
package enum ListenAddress: Sendable, Hashable {
    /// A Unix domain socket path.
    case unix(path: String)
    /// A TCP host and port.
    case tcp(host: String, port: Int)

    /// Why an address was refused.
    package struct ParseError: Error, Sendable, CustomStringConvertible {
        /// What is wrong, in words.
        package var description: String
    }

    /// Parses `unix:PATH`, `tcp:HOST:PORT`, `tcp:[IPv6]:PORT` or `tcp:PORT` (loopback).
    package static func parse(_ text: String) throws(ParseError) -> ListenAddress {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ParseError(description: "'\(text)': unix: needs a path") }
            return .unix(path: path)
        }
        guard text.hasPrefix("tcp:") else {
            throw ParseError(description: "'\(text)': expected unix:PATH or tcp:HOST:PORT")
        }
        let rest = String(text.dropFirst(4))
        var host = "127.0.0.1"
        var portText = rest
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            portText = String(rest[close...].dropFirst().drop { $0 == ":" })
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        }
        guard let port = Int(portText), (0...65_535).contains(port), !host.isEmpty else {
            throw ParseError(description: "'\(text)': expected tcp:HOST:PORT with a port from 0 to 65535")
        }
        return .tcp(host: host, port: port)
    }

    /// Whether `host` stands only for loopback addresses (the only kind allowed without
    /// `--allow-remote`).
    ///
    /// Decided on addresses, never on the text: an IPv4 or IPv6 literal is parsed
    /// (`inet_pton`) and must be in 127.0.0.0/8, `::1`, or `::ffff:127.x.x.x`; a name is
    /// resolved (`getaddrinfo`) and every address it gives must be loopback, so
    /// `localhost` passes and `127.evil.example` (a name, whatever it resolves to
    /// elsewhere) passes only if it resolves to loopback alone. A name that does not
    /// resolve is not loopback. The listener then binds the address it resolved and checks
    /// it again (`SocketListener.tcp`), so a name cannot change between the two.
    package static func isLoopback(_ host: String) -> Bool {
        if let literal = LoopbackCheck.literal(host) { return literal }
        guard let addresses = LoopbackCheck.resolve(host), !addresses.isEmpty else { return false }
        return addresses.allSatisfy { $0 }
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Loopback tests on addresses (see `ListenAddress.isLoopback`).
enum LoopbackCheck {
    /// Whether the IPv4 address (network byte order in memory) is in 127.0.0.0/8.
    static func isLoopback(_ a: in_addr) -> Bool {
        withUnsafeBytes(of: a) { $0[0] == 127 }
    }

    /// Whether the IPv6 address is `::1`, or an IPv4-mapped loopback (`::ffff:127.x.x.x`).
    static func isLoopback(_ a: in6_addr) -> Bool {
        withUnsafeBytes(of: a) { b in
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return true }
            return b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127
        }
    }

    /// For an IPv4 or IPv6 literal, whether it is loopback; nil when `host` is not a literal.
    static func literal(_ host: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return isLoopback(v4) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return isLoopback(v6) }
        return nil
    }

    /// Whether each address `host` resolves to is loopback, or nil when it does not resolve.
    static func resolve(_ host: String) -> [Bool]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var out: [Bool] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let info = p {
            if let sa = info.pointee.ai_addr { out.append(isLoopback(sa)) }
            p = info.pointee.ai_next
        }
        return out
    }

    /// Whether a socket address is a loopback IPv4 or IPv6 address.
    static func isLoopback(_ sa: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { isLoopback($0.pointee.sin_addr) }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { isLoopback($0.pointee.sin6_addr) }
        default:
            return false
        }
    }
}
