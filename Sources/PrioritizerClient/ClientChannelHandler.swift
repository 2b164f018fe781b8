import NIOCore

/// A request on its way out, with the promise its reply will complete.
struct PendingRequest {
    var arguments: [[UInt8]]
    var promise: EventLoopPromise<RESPReply>
}

/// Writes requests as RESP arrays of bulk strings and answers each with the next reply.
///
/// The promise joins the queue in the same event-loop step that writes the request, so however
/// many callers pipeline concurrently, the n-th reply read answers the n-th request written.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPReply
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPReply>>()
    private var closedError: PrioritizerClientError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        waiting.append(request.promise)
        var buffer = context.channel.allocator.buffer(capacity: 16 + request.arguments.reduce(0) { $0 + $1.count + 16 })
        Self.encode(request.arguments, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if case .push = reply { return }
        guard let promise = waiting.popFirst() else {
            // An error before any request is the server refusing the connection ("max number of
            // clients reached", sent as it accepts): the calls fail with its words.
            if case .error(let line) = reply {
                failAll(.fromErrorLine(line))
            } else {
                failAll(.protocolViolation("reply without a request"))
            }
            context.close(promise: nil)
            return
        }
        promise.succeed(reply)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch error {
        case let error as PrioritizerClientError: failAll(error)
        // The server closed or reset the socket: the connection is gone, not misbehaving.
        case is IOError, is ChannelError: failAll(.connectionClosed)
        default: failAll(.protocolViolation("\(error)"))
        }
        context.close(promise: nil)
    }

    private func failAll(_ error: PrioritizerClientError) {
        closedError = closedError ?? error
        while let promise = waiting.popFirst() { promise.fail(error) }
    }

    static func encode(_ arguments: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.count)\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }
}
