import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP sink that answers every request 200 with an empty body: the shared
/// endpoint both sides of `charm-bench otlp` send to.
struct SinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sink", abstract: "Loopback HTTP sink (200 to everything).", shouldDisplay: false)

    @Option(help: "Port on 127.0.0.1.")
    var port = 43_181

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OKHandler())
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        try channel.closeFuture.wait()
    }
}

final class OKHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-length", value: "0")
        head.headers.add(name: "content-type", value: "application/x-protobuf")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
