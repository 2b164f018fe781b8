import NIOConcurrencyHelpers
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
    /// Why the connection ended, once it has: later writes fail with it here, and so do the calls
    /// whose writes find the channel closed and never reach this handler.
    private let endReason: ConnectionEndReason

    init(endReason: ConnectionEndReason = ConnectionEndReason()) {
        self.endReason = endReason
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let ended = endReason.value {
            request.promise.fail(ended)
            promise?.fail(ended)
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

    /// Fails every waiting call with the first reason the connection ended for (the server's
    /// refusal, say, rather than the close that followed it).
    private func failAll(_ error: PrioritizerClientError) {
        let reason = endReason.record(error)
        while let promise = waiting.popFirst() { promise.fail(reason) }
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

/// The first reason a connection ended, shared by its handler (which learns it) and its client
/// (whose writes to a closed channel never reach the handler).
final class ConnectionEndReason: @unchecked Sendable {
    private let lock = NIOLock()
    private var reason: PrioritizerClientError?

    /// Keeps `error` unless a reason came first; the reason kept.
    func record(_ error: PrioritizerClientError) -> PrioritizerClientError {
        lock.withLock {
            if reason == nil { reason = error }
            return reason!
        }
    }

    var value: PrioritizerClientError? { lock.withLock { reason } }
}
