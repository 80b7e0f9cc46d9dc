import CharmExporters
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP/1.1 server for the exporter tests: records every request and answers
/// from a script (status codes, `Retry-After`, or no answer at all).
final class TestHTTPServer: Sendable {
    /// How to answer one request.
    enum Reply: Sendable {
        case status(Int, headers: [(String, String)] = [], body: String = "")
        /// Never answer (the client must time out).
        case hang
        /// Answer 200 `{}` as if the connection stayed open, then close it at a random moment
        /// within `within`: the server that goes away just after answering.
        case answerThenClose(within: Duration)
    }

    /// One request as received.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        /// The body, gunzipped when it was sent gzip-encoded.
        var content: [UInt8] {
            if header("Content-Encoding") == "gzip" { return (try? GzipForTests.decompress(body)) ?? [] }
            return body
        }
    }

    private struct State {
        var requests: [Request] = []
        var script: [Reply] = []
        var fallback: Reply = .status(200, body: "{}")
    }

    private let state = Mutex(State())
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The bound port.
    let port: Int

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server on `port` (0: any free port).
    static func start(port: Int = 0) async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = ServerRef()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.pipeline.configureHTTPServerPipeline().flatMap {
                    ch.pipeline.addHandler(Handler { box.value.withLock { $0 } })
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let server = TestHTTPServer(group: group, channel: channel)
        box.value.withLock { $0 = server }
        return server
    }

    /// Stops listening and closes every connection.
    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Answers the next requests with `replies`, in order; then with `fallback`.
    func script(_ replies: [Reply], then fallback: Reply = .status(200, body: "{}")) {
        state.withLock {
            $0.script = replies
            $0.fallback = fallback
        }
    }

    /// The requests received so far.
    var requests: [Request] { state.withLock { $0.requests } }

    /// Waits until at least `count` requests arrived that `where` accepts, or `timeout`.
    func waitFor(
        _ count: Int, timeout: Duration = .seconds(10), where accept: @Sendable (Request) -> Bool = { _ in true }
    ) async -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let r = requests.filter(accept)
            if r.count >= count { return r }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return requests.filter(accept)
    }

    fileprivate func record(_ r: Request) -> Reply {
        state.withLock { s in
            s.requests.append(r)
            return s.script.isEmpty ? s.fallback : s.script.removeFirst()
        }
    }

    /// Lets the pipeline initializer reach the server created after binding.
    private final class ServerRef: Sendable {
        let value = Mutex<TestHTTPServer?>(nil)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        // Only touched on the channel's event loop.
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []
        private let server: @Sendable () -> TestHTTPServer?

        init(server: @escaping @Sendable () -> TestHTTPServer?) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var b):
                body += b.readBytes(length: b.readableBytes) ?? []
            case .end:
                guard let head, let server = server() else { return }
                let reply = server.record(
                    Request(
                        method: "\(head.method)", uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                        body: body, receivedAt: .now))
                switch reply {
                case .hang: return
                case .answerThenClose(let within):
                    respond(context, code: 200, extra: [], text: "{}")
                    let span = max(1, within.components.seconds * 1_000_000 + within.components.attoseconds / 1_000_000_000_000)
                    let channel = context.channel
                    context.eventLoop.scheduleTask(in: .microseconds(Int64.random(in: 0..<span))) {
                        channel.close(promise: nil)
                    }
                case .status(let code, let extra, let text):
                    respond(context, code: code, extra: extra, text: text)
                }
            }
        }

        private func respond(_ context: ChannelHandlerContext, code: Int, extra: [(String, String)], text: String) {
            var headers = HTTPHeaders()
            for (k, v) in extra { headers.add(name: k, value: v) }
            headers.add(name: "Content-Length", value: "\(text.utf8.count)")
            headers.add(name: "Content-Type", value: "application/json")
            let h = HTTPResponseHead(version: .http1_1, status: .init(statusCode: code), headers: headers)
            context.write(wrapOutboundOut(.head(h)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
