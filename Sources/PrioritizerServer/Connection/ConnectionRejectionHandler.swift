import NIOCore

/// Installed instead of the request pipeline when `maxClients` connections are already open:
/// tells the client why, as Redis does, and closes.
///
/// Closed after `closeDeadline` even if the reply is not out by then: a rejected connection is not
/// counted against `--max-clients`, and under TLS its reply waits for a handshake the client may
/// never make, so each such connection would otherwise hold a descriptor for good.
final class ConnectionRejectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let reply = RESPValue.error("ERR max number of clients reached")
    static let closeDeadline: TimeAmount = .seconds(2)

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let deadline = context.eventLoop.scheduleTask(in: Self.closeDeadline) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(RESPReplyEncoder.encoded(Self.reply, version: .resp2)), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever the client sends is answered by the rejection above; drop it.
    }
}
