import NIOCore
import NIOPosix
import NIOSSL

/// An async/await client for the Prioritizer server.
///
/// One TCP connection, RESP3 (`HELLO 3 AUTH default TOKEN`). Calls may be made concurrently
/// from many tasks: requests are pipelined on the connection and each reply answers its own
/// request. Error replies throw `PrioritizerClientError.server(code:message:)`.
public final class PrioritizerClient: Sendable {
    private let channel: any Channel
    private let endReason: ConnectionEndReason

    /// The HELLO map the server answered with (server, version, proto, id, …).
    public let hello: [String: RESPReply]

    private init(channel: any Channel, endReason: ConnectionEndReason, hello: [String: RESPReply]) {
        self.channel = channel
        self.endReason = endReason
        self.hello = hello
    }

    /// Connects and, with a token, authenticates and switches to RESP3 in one HELLO.
    ///
    /// - Parameters:
    ///   - agent: the agent word of AUTH; `default` lets the token alone name the agent.
    ///   - clientName: shown by `CLIENT GETNAME` on the server.
    ///   - tls: connect with TLS, for a server started with `--tls-cert`; e.g.
    ///     `TLSConfiguration.makeClientConfiguration()` with `trustRoots` set to the server's CA.
    ///   - tlsServerName: the name the certificate must carry (and SNI); `host` when nil. When
    ///     both are nil or `host` is an IP address, the certificate must name that address.
    ///   - connectTimeout: how long the TCP connection may take to open.
    ///   - requestTimeout: how long a request may wait for its reply once written (nil: as long
    ///     as it takes). Past it the connection is closed and every call waiting on it throws
    ///     `.timedOut`: replies answer requests in order, so one missing reply ends the connection.
    ///     A timed-out write may still have been carried out. Choose it above the server's
    ///     `--statement-timeout-ms`, which bounds a request's commit.
    public static func connect(
        host: String = "127.0.0.1", port: Int = 7420, token: String?, agent: String = "default",
        clientName: String? = nil, tls: TLSConfiguration? = nil, tlsServerName: String? = nil,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PrioritizerClient {
        let tlsContext = try tls.map { try NIOSSLContext(configuration: $0) }
        // SNI carries names only; NIOSSL checks an IP address against the peer's address itself.
        let serverName = tlsServerName ?? ((try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil)
        let endReason = ConnectionEndReason()
        let requestTimeout = requestTimeout.map(TimeAmount.init)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(RESPReplyDecoder()),
                        ClientChannelHandler(endReason: endReason, requestTimeout: requestTimeout),
                    ])
                }
            }
            .connect(host: host, port: port)
            .get()
        let unauthenticated = PrioritizerClient(channel: channel, endReason: endReason, hello: [:])
        guard let token else { return unauthenticated }
        var words = ["HELLO", "3", "AUTH", agent, token]
        if let clientName { words += ["SETNAME", clientName] }
        do {
            let reply = try await unauthenticated.call(words)
            return PrioritizerClient(channel: channel, endReason: endReason, hello: reply.dictionary ?? [:])
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Closes the connection; calls still waiting fail with `.connectionClosed`. A connection the
    /// server already closed (QUIT, shutdown) is closed already: nothing to report.
    public func close() async throws {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            return
        }
    }

    // MARK: Raw requests

    /// Sends one request and returns the reply as it came, error replies included.
    public func send(_ arguments: [[UInt8]]) async throws -> RESPReply {
        let promise = channel.eventLoop.makePromise(of: RESPReply.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        // A write to a closed channel never reaches the handler that owns the reply queue;
        // failing the reply here keeps the caller from waiting forever.
        let endReason = self.endReason
        written.futureResult.whenFailure { _ in promise.fail(endReason.value ?? PrioritizerClientError.connectionClosed) }
        channel.writeAndFlush(PendingRequest(arguments: arguments, promise: promise), promise: written)
        return try await promise.futureResult.get()
    }

    public func send(_ words: [String]) async throws -> RESPReply {
        try await send(words.map { Array($0.utf8) })
    }

    /// Sends one request; an error reply throws `PrioritizerClientError.server`.
    @discardableResult
    public func call(_ words: [String]) async throws -> RESPReply {
        try Self.checked(try await send(words))
    }

    @discardableResult
    public func call(_ arguments: [[UInt8]]) async throws -> RESPReply {
        try Self.checked(try await send(arguments))
    }

    static func checked(_ reply: RESPReply) throws -> RESPReply {
        if case .error(let line) = reply { throw PrioritizerClientError.fromErrorLine(line) }
        return reply
    }
}
