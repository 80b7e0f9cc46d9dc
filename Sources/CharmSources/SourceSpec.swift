/// One source the user asked for.
public enum SourceSpec: Sendable {
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
    public var displayName: String {
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
    public var isFinite: Bool {
        switch self {
        case .stdin, .sse, .demo: true
        case .file(_, let follow, _): !follow
        case .unix, .tcp: false
        }
    }
}

/// A `--listen` address: `unix:PATH` or `tcp:HOST:PORT`.
public enum ListenAddress: Sendable, Hashable {
    /// A Unix domain socket path.
    case unix(path: String)
    /// A TCP host and port.
    case tcp(host: String, port: Int)

    /// Why an address was refused.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// What is wrong, in words.
        public var description: String
    }

    /// Parses `unix:PATH`, `tcp:HOST:PORT`, `tcp:[IPv6]:PORT` or `tcp:PORT` (loopback).
    public static func parse(_ text: String) throws(ParseError) -> ListenAddress {
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

    /// Whether `host` is a loopback address (the only kind allowed without `--allow-remote`).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
