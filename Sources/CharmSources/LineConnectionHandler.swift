import CharmTelemetry
import NIOCore

/// One producer's connection: its own decoder, its own source name, and (for TCP with a
/// token) the check that its first line is the token.
///
/// Runs on the connection's event loop only, so its state needs no lock.
final class LineConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pump: DecodingPump
    private let token: [UInt8]?
    private var authenticated: Bool
    private var tokenLine: [UInt8] = []
    private var failed = false

    /// The longest first line read while waiting for a token, so a silent peer cannot grow it.
    static let maxTokenLine = 4_096

    init(name: String, sink: any SourceSink, token: String?) {
        self.pump = DecodingPump(name: name, sink: sink)
        self.token = token.map { Array($0.utf8) }
        self.authenticated = token == nil
    }

    func channelActive(context: ChannelHandlerContext) {
        pump.enter(.open)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if !authenticated {
            guard checkToken(&buffer, context: context) else { return }
        }
        buffer.withUnsafeReadableBytes { pump.feed($0) }
    }

    /// Consumes the first line; returns true (with the rest left in `buffer`) when it is the token.
    private func checkToken(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let view = buffer.readableBytesView
        if let nl = view.firstIndex(of: 0x0A) {
            tokenLine.append(contentsOf: view[view.startIndex..<nl])
            buffer.moveReaderIndex(forwardBy: nl - view.startIndex + 1)
            if tokenLine.last == 0x0D { tokenLine.removeLast() }
            if tokenLine == token! {
                authenticated = true
                return true
            }
            refuse(context: context)
            return false
        }
        tokenLine.append(contentsOf: view)
        buffer.moveReaderIndex(to: buffer.writerIndex)
        if tokenLine.count > LineConnectionHandler.maxTokenLine { refuse(context: context) }
        return false
    }

    private func refuse(context: ChannelHandlerContext) {
        fail("refused: the first line was not the access token")
        let message = "charm-monitor: refused: send the access token (--token) as the first line\n"
        var out = context.channel.allocator.buffer(capacity: message.utf8.count)
        out.writeString(message)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if authenticated {
            // A producer that disconnects mid-line still gets that line decoded.
            pump.finish()
        }
        if !failed { pump.enter(.ended) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !failed { fail("connection error: \(error)") }
        context.close(promise: nil)
    }

    /// Reports the connection failed, once: what it sent after the token is delivered first,
    /// and its end is then not reported as `ended`.
    private func fail(_ reason: String) {
        failed = true
        if authenticated { pump.finish() }
        pump.enter(.failed, reason)
    }
}
