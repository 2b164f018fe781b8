import Logging
import NIOCore
import NIOPosix

/// The RESP server: a listening socket whose every connection runs
/// `ByteToMessageHandler(RESPRequestDecoder)` → `ConnectionHandler` → `CommandDispatcher`,
/// behind the `ConnectionSecurity` (TLS) when one is given.
///
/// `start()` binds and returns; `shutdown()` stops accepting, lets each open connection
/// finish and send the replies of the requests it already received, then closes them.
public final class PrioritizerServer: Sendable {
    public let configuration: ServerConfiguration
    public let statistics: ServerStatistics
    /// Requests by command and result are counted here when given (`--metrics-port`).
    public let metrics: ServerMetrics?
    let dispatcher: CommandDispatcher
    private let group: any EventLoopGroup
    private let logger: Logger
    private let channels = ConnectionRegistry()
    private let listener = ListenerBox()
    private let security: (any ConnectionSecurity)?

    /// - Parameter security: TLS for every connection (`PrioritizerTLS.ServerTLS`); nil serves
    ///   plain TCP.
    public init(
        configuration: ServerConfiguration, services: ServerServices, metrics: ServerMetrics? = nil,
        security: (any ConnectionSecurity)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "prioritizer.server")
    ) {
        self.configuration = configuration
        self.security = security
        self.statistics = ServerStatistics()
        self.metrics = metrics
        self.group = group
        self.logger = logger
        var services = services
        if let metrics {
            services.authenticator = CountingAuthenticator(base: services.authenticator, metrics: metrics)
        }
        self.dispatcher = CommandDispatcher(
            services: services, statistics: statistics, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// The address actually bound (the ephemeral port when configured with port 0).
    public var localAddress: SocketAddress? { listener.channel?.localAddress }

    /// Started and not shut down: the listening socket accepts connections.
    public var isServing: Bool { listener.channel?.isActive ?? false }

    /// The event loops the server runs on (the metrics endpoint runs there too).
    public var eventLoopGroup: any EventLoopGroup { group }

    /// Binds the listening socket; connections are served from then on.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let dispatcher = self.dispatcher
        let statistics = self.statistics
        let configuration = self.configuration
        let logger = self.logger
        let channels = self.channels
        let security = self.security
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that closes its sending side still gets every reply (see ConnectionHandler).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // First, so that even the "max clients" rejection travels encrypted.
                    try security?.secure(channel)
                    guard statistics.admitConnection(maxClients: configuration.maxClients) else {
                        try channel.pipeline.syncOperations.addHandler(ConnectionRejectionHandler())
                        return
                    }
                    channels.insert(channel)
                    channel.closeFuture.whenComplete { _ in
                        statistics.connectionClosed()
                        channels.remove(channel)
                    }
                    let limits = configuration.limits
                    let loginGate = LoginGate()
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(
                            RESPRequestDecoder(limits: limits, loginGate: loginGate),
                            // A backstop under the decoder's own checks: one bulk, its header
                            // and the following header can never legitimately exceed this.
                            maximumBufferSize: limits.maxBulkBytes + 2 * limits.maxInlineBytes + 64),
                        ConnectionHandler(
                            dispatcher: dispatcher, connectionID: statistics.makeConnectionID(),
                            peer: channel.remoteAddress?.ipAddress,
                            maxPipelinedRequests: configuration.maxPipelinedRequests,
                            maxHeldBytes: limits.maxRequestBytes, loginGate: loginGate, logger: logger),
                    ])
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        listener.channel = channel
        let address = channel.localAddress!
        logger.info("listening", metadata: ["address": "\(address)"])
        return address
    }

    /// Graceful stop: stops accepting, stops reading from every connection, lets each answer
    /// every request it already received, closes it, and returns once all are closed.
    /// Connections still busy after `gracePeriod` are closed without their replies.
    public func shutdown(gracePeriod: TimeAmount = .seconds(10)) async throws {
        if let channel = listener.channel {
            try? await channel.close()
        }
        let open = channels.all
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ServerShutdownEvent())
        }
        let deadline = group.any().scheduleTask(in: gracePeriod) {
            for channel in open { channel.close(promise: nil) }
        }
        for channel in open {
            try? await channel.closeFuture.get()
        }
        deadline.cancel()
    }

    /// Closes every connection at once, without waiting for replies (tests, fatal errors).
    public func closeAllConnections() {
        for channel in channels.all { channel.close(promise: nil) }
    }
}
