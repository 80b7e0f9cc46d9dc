import CharmTelemetry
import CompressNIO
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The OTLP/HTTP receiver: `POST /v1/traces` and `POST /v1/logs`, protobuf or JSON, gzip
/// or not, answered as the OTLP specification says (docs/otlp.md, "Limits and errors").
///
/// Written on SwiftNIO's HTTP/1 pipeline rather than a web framework: two routes, and the
/// body limits must act while the body streams in (a 413 before a large body is held, a
/// 503 when the bodies held over all connections reach their bound), which a framework's
/// collected-body routes would do only after buffering.
package final class OTLPHTTPServer: Sendable {
    private let channel: any Channel
    /// The address it listens on (with the port chosen when 0 was asked for).
    package let host: String
    package let port: Int

    private init(channel: any Channel, host: String, port: Int) {
        self.channel = channel
        self.host = host
        self.port = port
    }

    /// Listens on `host:port` (port 0 picks a free one).
    package static func start(
        host: String, port: Int, ingest: OTLPIngest, options: OTLPReceiverOptions
    ) async throws -> OTLPHTTPServer {
        let shared = SharedState(options: options)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connection silent for a minute (a stalled upload holding its share of
                    // the budget, a peer gone without a FIN) is closed.
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        OTLPHTTPHandler(ingest: ingest, options: options, shared: shared))
                }
            }
            .bind(host: host, port: port).get()
        return OTLPHTTPServer(channel: channel, host: host, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening; requests being answered finish.
    package func close() async {
        try? await channel.close()
    }

    /// What all connections share: the bytes and requests in flight.
    final class SharedState: Sendable {
        let options: OTLPReceiverOptions
        /// Relaxed is enough: each counter is its own bound, read and changed atomically,
        /// ordering nothing else.
        let bytesInFlight = Atomic<Int>(0)
        let requestsInFlight = Atomic<Int>(0)
        init(options: OTLPReceiverOptions) { self.options = options }

        /// Takes `n` bytes of the shared budget; false (nothing taken) when it would go over.
        func reserve(_ n: Int) -> Bool {
            let after = bytesInFlight.add(n, ordering: .relaxed).newValue
            if after > options.maxBytesInFlight {
                bytesInFlight.subtract(n, ordering: .relaxed)
                return false
            }
            return true
        }

        func release(_ n: Int) { if n > 0 { bytesInFlight.subtract(n, ordering: .relaxed) } }
    }
}

/// Closes a connection when `IdleStateHandler` says it has been silent too long.
final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// One connection's requests, one at a time (HTTP/1.1 keep-alive).
final class OTLPHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Route { case traces, logs }

    private let ingest: OTLPIngest
    private let options: OTLPReceiverOptions
    private let shared: OTLPHTTPServer.SharedState

    private var route: Route?
    private var encoding: OTLPEncoding?
    private var gzip = false
    private var body: ByteBuffer?
    /// Bytes of the shared budget this request holds.
    private var reserved = 0
    /// Set when the request was already answered (an error before its body ended): the
    /// rest of it is read and dropped.
    private var answered = false
    private var keepAlive = true
    /// Set when an early answer (413, 503) ends the connection: the rest of the body is
    /// read and dropped first, so the sender, still writing, gets to read the answer
    /// instead of a reset; beyond `maxDiscardBytes` of it the connection is cut.
    private var closeAfterBody = false
    private var discarded = 0
    private var maxDiscardBytes: Int { options.maxBodyBytes * 4 }

    init(ingest: OTLPIngest, options: OTLPReceiverOptions, shared: OTLPHTTPServer.SharedState) {
        self.ingest = ingest
        self.options = options
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): begin(head, context: context)
        case .body(var chunk):
            if !answered {
                append(&chunk, context: context)
            } else if closeAfterBody {
                discarded += chunk.readableBytes
                if discarded > maxDiscardBytes { context.close(promise: nil) }
            }
        case .end:
            if !answered {
                finish(context: context)
            } else if closeAfterBody {
                context.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { releaseBody() }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        releaseBody()
        answered = false
        closeAfterBody = false
        discarded = 0
        route = nil
        encoding = nil
        gzip = false
        keepAlive = head.isKeepAlive
        let type = head.headers.first(name: "content-type")
        let known = type.flatMap(OTLPEncoding.init(contentType:))
        encoding = known
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/v1/traces": route = .traces
        case "/v1/logs": route = .logs
        default: return refuse(404, "no such path: \(path) (OTLP/HTTP takes /v1/traces and /v1/logs)", context)
        }
        guard head.method == .POST else { return refuse(405, "OTLP/HTTP takes POST", context) }
        guard options.authorizes(head.headers.first(name: "authorization")) else {
            return refuse(401, "missing or wrong bearer token in Authorization", context)
        }
        // Without a token only loopback is served; a Host naming anything else is a browser
        // led here by DNS rebinding, not an agent on this machine.
        if options.token == nil, let host = head.headers.first(name: "host"), !OTLPHTTPHandler.isLoopbackHost(host) {
            return refuse(403, "Host \(host) is not loopback; a monitor without --token serves loopback only", context)
        }
        guard known != nil else {
            return refuse(
                415, "unsupported Content-Type \(type ?? "(none)"): send application/x-protobuf or application/json",
                context)
        }
        switch head.headers.first(name: "content-encoding")?.lowercased() {
        case nil, "identity": gzip = false
        case "gzip": gzip = true
        case let other?: return refuse(415, "unsupported Content-Encoding \(other): send gzip or none", context)
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > options.maxBodyBytes {
            return refuse(413, "body of \(length) bytes is over the limit of \(options.maxBodyBytes)", context, close: true)
        }
        body = context.channel.allocator.buffer(capacity: 0)
    }

    private func append(_ chunk: inout ByteBuffer, context: ChannelHandlerContext) {
        guard body != nil else { return }
        let n = chunk.readableBytes
        if body!.readableBytes + n > options.maxBodyBytes {
            return refuse(413, "body is over the limit of \(options.maxBodyBytes) bytes", context, close: true)
        }
        guard shared.reserve(n) else {
            return refuse(
                503, "the monitor holds too many request bodies; retry later", context, close: true,
                retryAfter: options.retryAfterSeconds)
        }
        reserved += n
        body!.writeBuffer(&chunk)
    }

    private func finish(context: ChannelHandlerContext) {
        guard let received = body, let route, let encoding else { return }
        body = nil
        let limit = shared.requestsInFlight.add(1, ordering: .relaxed).newValue
        guard limit <= options.maxRequestsInFlight else {
            shared.requestsInFlight.subtract(1, ordering: .relaxed)
            return refuse(
                503, "the monitor is busy; retry later", context, retryAfter: options.retryAfterSeconds, bodyRead: true)
        }
        let gzip = self.gzip
        let options = self.options
        let ingest = self.ingest
        // The body's share of the budget goes with the job, and comes back when the job is
        // done, not when the connection closes (a sender that hangs up at once must not
        // free a budget its body still uses).
        let held = reserved
        reserved = 0
        // Decoding and applying run off the event loop, so one large request does not hold
        // up every other connection on it.
        let loop = context.eventLoop
        let future = NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () -> OTLPHTTPAnswer in
            var bytes = received
            if gzip {
                do {
                    bytes = try bytes.decompress(with: .gzip(), maxSize: options.maxDecompressedBytes)
                } catch {
                    return .failure(
                        400, "the gzip body is corrupt or inflates past \(options.maxDecompressedBytes) bytes",
                        encoding: encoding)
                }
            }
            let raw = bytes.readBytes(length: bytes.readableBytes) ?? []
            do throws(OTLPDecodingError) {
                switch route {
                case .traces:
                    let request = try TraceRequest(body: raw, encoding: encoding)
                    return .traces(ingest.receive(request), encoding: encoding)
                case .logs:
                    let request = try LogsRequest(body: raw, encoding: encoding)
                    return .logs(ingest.receive(request), encoding: encoding)
                }
            } catch {
                return .failure(400, error.description, encoding: encoding)
            }
        }
        let shared = self.shared
        // The handler and its context belong to the event loop, where the answer is written.
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        future.whenComplete { (result: Result<OTLPHTTPAnswer, any Error>) in
            shared.requestsInFlight.subtract(1, ordering: .relaxed)
            shared.release(held)
            let (handler, context) = bound.value
            switch result {
            case .success(let answer): handler.write(answer, context: context, close: !handler.keepAlive)
            case .failure:
                handler.write(
                    .failure(503, "the monitor is stopping", encoding: encoding, retryAfter: 1), context: context, close: true)
            }
        }
    }

    /// Answers `status` now. Before the body's end, a connection that must close is closed
    /// once the body has been read (see `closeAfterBody`); after it (`bodyRead`), right away.
    /// Whether a `Host` header names this machine's loopback (`127.0.0.1`, `localhost`,
    /// `[::1]`, with or without a port).
    static func isLoopbackHost(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") {
            name = String(name.dropFirst().prefix { $0 != "]" })
        } else if let colon = name.lastIndex(of: ":") {
            name = String(name[..<colon])
        }
        if name == "localhost" || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    private func refuse(
        _ status: Int, _ message: String, _ context: ChannelHandlerContext, close: Bool = false, retryAfter: Int? = nil,
        bodyRead: Bool = false
    ) {
        answered = true
        releaseBody()
        body = nil
        let answer = OTLPHTTPAnswer.failure(status, message, encoding: encoding, retryAfter: retryAfter)
        if bodyRead {
            write(answer, context: context, close: close || !keepAlive)
            return
        }
        closeAfterBody = close || !keepAlive
        write(answer, context: context, close: false, ending: closeAfterBody)
    }

    private func releaseBody() {
        shared.release(reserved)
        reserved = 0
    }

    /// Writes `answer`; `close` closes the connection after it, `ending` only says that it
    /// will be closed (`Connection: close`).
    private func write(_ answer: OTLPHTTPAnswer, context: ChannelHandlerContext, close: Bool, ending: Bool = false) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: answer.contentType)
        headers.add(name: "content-length", value: String(answer.body.count))
        if let r = answer.retryAfterSeconds { headers.add(name: "retry-after", value: String(r)) }
        if close || ending { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
        buffer.writeBytes(answer.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if close {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
