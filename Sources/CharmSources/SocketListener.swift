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
    /// (only this user's producers may connect), any other kind of file is left alone, and
    /// a socket something still listens on (another monitor) is refused, not taken over.
    static func unix(path: String, sink: any SourceSink) async throws -> SocketListener {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw SourceSetupError(source: "unix:\(path)", reason: "\(path) exists and is not a socket; not replacing it")
            }
            // Unlinking a live socket would silently steal every later producer from the
            // monitor that owns it: only a socket nobody answers on is stale.
            switch UnixSocketProbe.probe(path) {
            case .listening:
                throw SourceSetupError(
                    source: "unix:\(path)",
                    reason: "\(path) is in use: another process is listening on it; not replacing it (stop it, or choose another path)")
            case .unknown(let why):
                throw SourceSetupError(
                    source: "unix:\(path)", reason: "cannot tell whether \(path) is in use (\(why)); not replacing it")
            case .stale:
                unlink(path)
            }
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
    ///
    /// The host is resolved once, here, and that address is bound; without a token it must
    /// be loopback (checked on the address, as `ListenAddress.isLoopback` does), so what
    /// was checked is what is bound.
    static func tcp(host: String, port: Int, token: String?, sink: any SourceSink) async throws -> SocketListener {
        let name = "tcp:\(ListenAddress.hostPort(host, port))"
        let box = NameBox(name)
        func cannotListen(_ error: any Error) -> SourceSetupError {
            SourceSetupError(source: name, reason: "cannot listen on \(host):\(port): \(error)")
        }
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw cannotListen(error)
        }
        if token == nil && !SocketListener.isLoopback(address) {
            throw SourceSetupError(
                source: name,
                reason: "not listening on \(host):\(port): \(address) is not a loopback address and no token was given")
        }
        do {
            let channel = try await bootstrap(name: box, sink: sink, token: token).bind(to: address).get()
            // Port 0 asks the system for a free port: name the source by the one it gave.
            let bound = "tcp:\(ListenAddress.hostPort(host, channel.localAddress?.port ?? port))"
            box.value = bound
            return SocketListener(name: bound, channel: channel)
        } catch {
            throw cannotListen(error)
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
package struct SourceSetupError: Error, Sendable, CustomStringConvertible {
    /// The source's display name.
    package var source: String
    /// What went wrong.
    package var reason: String

    package var description: String { reason }
}

extension SocketListener {
    /// Whether a resolved address is loopback.
    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let a): LoopbackCheck.isLoopback(a.address.sin_addr)
        case .v6(let a): LoopbackCheck.isLoopback(a.address.sin6_addr)
        case .unixDomainSocket: false
        }
    }
}

/// What connecting to an existing socket file says about it.
enum UnixSocketProbe: Equatable {
    /// Something accepted (or is about to: its backlog is full): a live listener.
    case listening
    /// Refused: no one listens, the file is left over from a process that died.
    case stale
    /// Neither (no permission to connect, …): not ours to replace.
    case unknown(String)

    /// Connects to the socket at `path` without blocking. The probe is one connection that
    /// the live listener, if any, sees open and end at once with nothing sent.
    static func probe(_ path: String) -> UnixSocketProbe {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        if fd >= 0 { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        #endif
        guard fd >= 0 else { return .unknown(String(cString: strerror(errno))) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let fits = withUnsafeMutableBytes(of: &addr.sun_path) { p -> Bool in
            guard bytes.count < p.count else { return false }
            for (i, b) in bytes.enumerated() { p[i] = b }
            return true
        }
        guard fits else { return .unknown("path too long for a socket") }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if r == 0 { return .listening }
        switch errno {
        case EAGAIN, EINPROGRESS: return .listening
        case ECONNREFUSED, ENOENT: return .stale
        default: return .unknown(String(cString: strerror(errno)))
        }
    }
}
