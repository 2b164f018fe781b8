import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The small HTTP server of `--metrics-port`: `GET /metrics` and `GET /health`, on the RESP
/// server's event loops. Everything else is 404; methods other than GET and HEAD are 405.
public final class ObservabilityServer: Sendable {
    public let host: String
    public let port: Int
    private let server: PrioritizerServer
    private let metrics: ServerMetrics
    private let health: HealthCheck
    private let logger: Logger
    private let listener = ListenerBox()

    /// SPEC keeps the RESP port on loopback by default; the metrics port likewise.
    public static let defaultHost = "127.0.0.1"

    public init(
        host: String = ObservabilityServer.defaultHost, port: Int, server: PrioritizerServer, metrics: ServerMetrics,
        health: HealthCheck, logger: Logger = Logger(label: "prioritizer.metrics")
    ) {
        self.host = host
        self.port = port
        self.server = server
        self.metrics = metrics
        self.health = health
        self.logger = logger
    }

    @discardableResult
    public func start() async throws -> SocketAddress {
        let responder = self.responder()
        let channel = try await ServerBootstrap(group: server.eventLoopGroup)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ObservabilityHTTPHandler(respond: responder))
                }
            }
            .bind(host: host, port: port)
            .get()
        listener.channel = channel
        let address = channel.localAddress!
        logger.info("metrics listening", metadata: ["address": "\(address)"])
        return address
    }

    public var localAddress: SocketAddress? { listener.channel?.localAddress }

    public func shutdown() async {
        try? await listener.channel?.close()
    }

    private func responder() -> ObservabilityHTTPHandler.Responder {
        let server = self.server
        let metrics = self.metrics
        let health = self.health
        return { method, path in
            guard method == .GET || method == .HEAD else { return .text(.methodNotAllowed, "GET only") }
            switch path {
            case "/metrics":
                let runners = await server.dispatcher.services.statistics?.runnerFigures()
                return ObservabilityHTTPHandler.Response(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: metrics.exposition(server: server.statistics.snapshot, runners: runners))
            case "/health":
                switch await health.check() {
                case .healthy: return .text(.ok, "ok")
                case .unhealthy(let reason): return .text(.serviceUnavailable, reason)
                }
            default:
                return .text(.notFound, "not found: /metrics and /health are served here")
            }
        }
    }
}
