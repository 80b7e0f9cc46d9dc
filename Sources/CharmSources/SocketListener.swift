#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CharmTelemetry
import NIOCore
import NIOPosix
import Synchronization

/// A Unix-domain or TCP listener: every producer that connects becomes its own source,
/// named `unix:PATH#N` or `tcp:HOST:PORT#N`.
final class SocketListener: Sendable {
    let name: String
    let channel: any Channel

    private init(name: String, channel: any Channel) {
        self.name = name
        self.channel = channel
    }

    /// The address actually bound (its port, when 0 was asked for).
    var localPort: Int? { channel.localAddress?.port }

    /// Stops accepting; open connections finish on their own.
    func close() {
        channel.close(promise: nil)
    }

    private static func bootstrap(name: NameBox, sink: any SourceSink, token: String?) -> ServerBootstrap {
        let counterBox = CounterBox()
        return ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let n = counterBox.next()
                let handler = LineConnectionHandler(name: "\(name.value)#\(n)", sink: sink, token: token)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
    }

    /// Listens on a Unix socket: a stale socket file is replaced, the socket is made 0600
    /// (only this user's producers may connect), any other kind of file is left alone.
    static func unix(path: String, sink: any SourceSink) async throws -> SocketListener {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw SourceSetupError(source: "unix:\(path)", reason: "\(path) exists and is not a socket; not replacing it")
            }
            unlink(path)
        }
        let name = "unix:\(path)"
        // The umask makes the socket 0600 from the start, so no other user can connect in
        // the moment between bind and chmod.
        let old = umask(0o177)
        let channel: any Channel
        do {
            channel = try await bootstrap(name: NameBox(name), sink: sink, token: nil).bind(unixDomainSocketPath: path).get()
        } catch {
            umask(old)
            throw SourceSetupError(source: name, reason: "cannot listen on \(path): \(error)")
        }
        umask(old)
        chmod(path, 0o600)
        return SocketListener(name: name, channel: channel)
    }

    /// Listens on TCP; with `token`, every producer's first line must be it.
    static func tcp(host: String, port: Int, token: String?, sink: any SourceSink) async throws -> SocketListener {
        let name = "tcp:\(ListenAddress.hostPort(host, port))"
        let box = NameBox(name)
        do {
            let channel = try await bootstrap(name: box, sink: sink, token: token).bind(host: host, port: port).get()
            // Port 0 asks the system for a free port: name the source by the one it gave.
            let bound = "tcp:\(ListenAddress.hostPort(host, channel.localAddress?.port ?? port))"
            box.value = bound
            return SocketListener(name: bound, channel: channel)
        } catch {
            throw SourceSetupError(source: name, reason: "cannot listen on \(host):\(port): \(error)")
        }
    }
}

/// A listener's name, settable once the bound port is known.
final class NameBox: Sendable {
    private let stored: Mutex<String>

    init(_ name: String) { stored = Mutex(name) }

    var value: String {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// Numbers connections of one listener from 1.
final class CounterBox: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
}

/// A source that could not be started: which one and why.
public struct SourceSetupError: Error, Sendable, CustomStringConvertible {
    /// The source's display name.
    public var source: String
    /// What went wrong.
    public var reason: String

    public var description: String { reason }
}
