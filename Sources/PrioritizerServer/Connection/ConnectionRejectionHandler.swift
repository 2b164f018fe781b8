import NIOCore

/// Installed instead of the request pipeline when `maxClients` connections are already open:
/// tells the client why, as Redis does, and closes.
final class ConnectionRejectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let reply = RESPValue.error("ERR max number of clients reached")

    func channelActive(context: ChannelHandlerContext) {
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(RESPReplyEncoder.encoded(Self.reply, version: .resp2)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever the client sends is answered by the rejection above; drop it.
    }
}
