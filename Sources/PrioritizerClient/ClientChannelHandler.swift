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
///
/// With a request timeout, a request still unanswered that long after it was written ends the
/// connection: replies answer requests by their order alone, so the connection cannot skip one
/// reply and go on. Every waiting call then fails with `.timedOut`. One timer runs at a time,
/// for the oldest request; each reply moves it to the next.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPReply
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var promise: EventLoopPromise<RESPReply>
        var deadline: NIODeadline?
    }

    private var waiting = CircularBuffer<Waiting>()
    /// Why the connection ended, once it has: later writes fail with it here, and so do the calls
    /// whose writes find the channel closed and never reach this handler.
    private let endReason: ConnectionEndReason
    private let requestTimeout: TimeAmount?
    /// Fires at the oldest waiting request's deadline.
    private var timer: Scheduled<Void>?

    init(endReason: ConnectionEndReason = ConnectionEndReason(), requestTimeout: TimeAmount? = nil) {
        self.endReason = endReason
        self.requestTimeout = requestTimeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let ended = endReason.value {
            request.promise.fail(ended)
            promise?.fail(ended)
            return
        }
        waiting.append(Waiting(promise: request.promise, deadline: requestTimeout.map { .now() + $0 }))
        armTimer(context: context)
        var buffer = context.channel.allocator.buffer(capacity: 16 + request.arguments.reduce(0) { $0 + $1.count + 16 })
        Self.encode(request.arguments, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if case .push = reply { return }
        guard let request = waiting.popFirst() else {
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
        request.promise.succeed(reply)
        timer?.cancel()
        timer = nil
        armTimer(context: context)
    }

    /// Starts the timer for the oldest waiting request, if it has a deadline and none runs.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let deadline = waiting.first?.deadline else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.failAll(.timedOut)
            context.close(promise: nil)
        }
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
        timer?.cancel()
        timer = nil
        while let request = waiting.popFirst() { request.promise.fail(reason) }
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
