import NIOCore
import NIOHTTP1

/// Answers `GET /metrics` (Prometheus text format) and `GET /health` (200 `ok`, or 503 with the
/// reason) on one HTTP/1.1 connection. Both answers are computed off the event loop (the gauges
/// ask the runner actors; the health check asks the database), then written back on it.
final class ObservabilityHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]

        static func text(_ status: HTTPResponseStatus, _ text: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
        }
    }

    /// What the endpoints answer, computed for a method and path.
    typealias Responder = @Sendable (HTTPMethod, String) async -> Response

    private let respond: Responder
    private var request: HTTPRequestHead?

    init(respond: @escaping Responder) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // Neither endpoint takes a body.
        case .end:
            guard let head = request else { return }
            request = nil
            let respond = self.respond
            let path = String(head.uri.prefix { $0 != "?" })
            context.eventLoop.makeFutureWithTask { await respond(head.method, path) }
                .assumeIsolated().whenSuccess { response in
                    self.write(response, for: head, context: context)
                }
        }
    }

    private func write(_ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if !keepAlive {
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
