import Logging
import NIOCore
import PrioritizerStore

/// The one way in: every request passes the command table (name, arity), the authentication
/// and role checks and its command's parser here, then is answered on the spot (connection
/// commands) or handed to a service.
public struct CommandDispatcher: Sendable {
    public let table: CommandTable
    public let services: ServerServices
    public let statistics: ServerStatistics
    public let configuration: ServerConfiguration
    /// Requests by command and result, when the server exports metrics.
    let requestMetrics: RequestMetrics?
    let logger: Logger
    /// Failed logins per peer address, shared by every connection of the server.
    let authThrottle: AuthThrottle

    public init(
        table: CommandTable = .standard, services: ServerServices, statistics: ServerStatistics,
        configuration: ServerConfiguration, metrics: ServerMetrics? = nil,
        logger: Logger = Logger(label: "prioritizer.server")
    ) {
        self.table = table
        self.services = services
        self.statistics = statistics
        self.configuration = configuration
        self.requestMetrics = metrics?.requests
        self.logger = logger
        self.authThrottle = AuthThrottle()
    }

    func dispatch(_ request: RESPRequest, state: ConnectionState) -> DispatchResult {
        var name: String?
        return dispatch(request, state: state, commandName: &name)
    }

    /// Dispatches, and sets `commandName` to the declared name of the command the request named
    /// (nil when the table does not know it): what `/metrics` counts the reply under.
    func dispatch(_ request: RESPRequest, state: ConnectionState, commandName: inout String?) -> DispatchResult {
        statistics.commandProcessed()
        let command: Command
        let declaration: CommandDeclaration
        switch table.lookUp(request) {
        case .rejected(let error):
            // Only error replies take this path: a second lookup to name a known command
            // called with the wrong arity costs nothing on the path of successful requests.
            let known = request.arguments.first.flatMap {
                table.declaration(named: String(decoding: $0.readableBytesView, as: UTF8.self))
            }
            commandName = known?.name
            // Before login, only the commands allowed then get their own errors; anything else
            // gets NOAUTH (SPEC), where Redis answers unknown commands and wrong arity first,
            // which tells a client without credentials what this server runs.
            if state.identity == nil && !(known?.flags.contains(.allowedBeforeAuth) ?? false) {
                return .immediate(CommandOutcome(CommandError.noAuth.reply))
            }
            return .immediate(CommandOutcome(error.reply))
        case .found(let found, let arguments):
            declaration = found
            commandName = found.name
            if state.identity == nil && !found.flags.contains(.allowedBeforeAuth) {
                return .immediate(CommandOutcome(CommandError.noAuth.reply))
            }
            if let identity = state.identity, !found.roles.contains(identity.role) {
                return .immediate(CommandOutcome(CommandError.noPermission(
                    agent: identity.agentName, role: identity.role, command: found.name).reply))
            }
            var reader = ArgumentReader(arguments)
            do {
                command = try found.parse(&reader)
            } catch {
                return .immediate(CommandOutcome(error.reply))
            }
        }
        if let identity = state.identity, identity.role == .reader, declaration.flags.contains(.write), command.writes {
            return .immediate(CommandOutcome(CommandError.noPermission(
                agent: identity.agentName, role: identity.role, command: declaration.name).reply))
        }
        return execute(command, state: state)
    }

    private func execute(_ command: Command, state: ConnectionState) -> DispatchResult {
        switch command {
        case .hello(let request): return hello(request, state: state)
        case .auth(let request): return auth(request, state: state)
        case .ping(let message): return .immediate(CommandOutcome(message.map(RESPValue.bulkString) ?? .simpleString("PONG")))
        case .echo(let message): return .immediate(CommandOutcome(.bulkString(message)))
        case .quit: return .immediate(CommandOutcome(.ok, closeAfterReply: true))
        case .client(let subcommand): return .immediate(client(subcommand, state: state))
        case .info(let sections): return info(sections: sections, identity: state.identity!)
        case .whoami: return whoamiCall(state.identity!)
        case .command(let subcommand): return .immediate(CommandOutcome(CommandIntrospection(table: table).reply(to: subcommand)))
        case .help(let name): return .immediate(CommandOutcome(CommandIntrospection(table: table).help(for: name)))
        case .track(let request): return .track(request, state.identity!)
        default:
            // Everything else acts on sessions, tokens or agents, on behalf of an identity the
            // dispatch checks above guarantee.
            return serviceCall(command, identity: state.identity!)
        }
    }

    // MARK: Service commands

    private func serviceCall(_ command: Command, identity: AuthenticatedIdentity) -> DispatchResult {
        let services = self.services
        let logger = self.logger
        return whileLoginValid(identity) {
            let reply = try await ServiceCommandExecutor(services: services).submit(command, by: identity)
            return Self.awaiting(reply, logger: logger)
        }
    }

    /// The outcome of a submitted request once `reply` gives it (a failure answered as its error).
    private static func awaiting(_ reply: @escaping @Sendable () async throws -> RESPValue, logger: Logger) -> PendingOutcome {
        PendingOutcome {
            do {
                return CommandOutcome(try await reply())
            } catch {
                return failureOutcome(error, logger: logger)
            }
        }
    }

    /// The answer to a request whose login was revoked: `WRONGPASS`, and the connection logged out.
    private static func loginRevoked(_ identity: AuthenticatedIdentity) -> CommandOutcome {
        CommandOutcome(CommandError.wrongPass.reply, update: ConnectionUpdate(deauthenticate: identity))
    }

    /// Consecutive TRACKs of one connection (one identity), each answered as `serviceCall`
    /// answers one alone. The login is checked before each call to the handler, which takes
    /// together only TRACKs it can take at one instant, none after a wait: checking it once for
    /// them answers as checking it before each would.
    func submitTracks(_ requests: [TrackRequest], by identity: AuthenticatedIdentity) async -> [PendingOutcome] {
        let logger = self.logger
        var outcomes: [PendingOutcome] = []
        outcomes.reserveCapacity(requests.count)
        while outcomes.count < requests.count {
            do {
                guard try await services.authenticator.isStillValid(identity) else {
                    outcomes.append(.ready(Self.loginRevoked(identity)))
                    continue
                }
            } catch {
                outcomes.append(.ready(Self.failureOutcome(error, logger: logger)))
                continue
            }
            let taken = await services.sessions.submitTracks(requests[outcomes.count...], by: identity)
            guard !taken.isEmpty else {
                // A handler must take at least one: answering beats waiting for it forever.
                logger.error("a session handler took none of the TRACKs submitted to it")
                outcomes.append(.ready(CommandOutcome(CommandError.internalError.reply)))
                continue
            }
            // One result per request taken: any beyond the requests left would answer no request
            // and leave a later one unanswered.
            let remaining = requests.count - outcomes.count
            if taken.count > remaining {
                logger.error("a session handler answered more TRACKs than were submitted to it")
            }
            for submitted in taken.prefix(remaining) {
                switch submitted {
                case .success(let ticket):
                    outcomes.append(Self.awaiting({ .integer(try await ticket.value()) }, logger: logger))
                case .failure(let error):
                    outcomes.append(.ready(Self.failureOutcome(error, logger: logger)))
                }
            }
        }
        return outcomes
    }

    /// WHOAMI answers only while the login is still valid: a revoked token must not keep naming
    /// its agent on connections that were open when it was revoked.
    private func whoamiCall(_ identity: AuthenticatedIdentity) -> DispatchResult {
        let reply = whoami(identity)
        return whileLoginValid(identity) { .ready(CommandOutcome(reply)) }
    }

    /// `answer`, once `identity`'s login is found still valid; `WRONGPASS` (and the connection
    /// logged out) when its token was revoked since it logged in.
    private func whileLoginValid(
        _ identity: AuthenticatedIdentity, _ answer: @escaping @Sendable () async throws -> PendingOutcome
    ) -> DispatchResult {
        let authenticator = services.authenticator
        let logger = self.logger
        return .deferred(barrier: false) {
            do {
                guard try await authenticator.isStillValid(identity) else {
                    return .ready(Self.loginRevoked(identity))
                }
                return try await answer()
            } catch {
                return .ready(Self.failureOutcome(error, logger: logger))
            }
        }
    }

    private static func failureOutcome(_ error: any Error, logger: Logger) -> CommandOutcome {
        if let error = error as? CommandError { return CommandOutcome(error.reply) }
        logger.error("command failed", metadata: ["error": "\(String(reflecting: error))"])
        return CommandOutcome(CommandError.internalError.reply)
    }

    // MARK: Connection commands

    private func auth(_ request: AuthRequest, state: ConnectionState) -> DispatchResult {
        let authenticator = services.authenticator
        let logger = self.logger
        let throttle = authThrottle
        return .deferred(barrier: true) {
            do {
                guard let identity = try await Self.authenticate(request, with: authenticator) else {
                    return .ready(await Self.refusedLogin(peer: state.peer, throttle: throttle))
                }
                return .ready(CommandOutcome(.ok, update: ConnectionUpdate(identity: identity)))
            } catch let error as CommandError {
                return .ready(CommandOutcome(error.reply))
            } catch {
                logger.error("authentication failed", metadata: ["error": "\(String(reflecting: error))"])
                return .ready(CommandOutcome(CommandError.tryAgain.reply))
            }
        }
    }

    /// -WRONGPASS for a failed login, after the wait the throttle sets for its peer address.
    private static func refusedLogin(peer: String?, throttle: AuthThrottle) async -> CommandOutcome {
        let delay = throttle.recordFailure(peer: peer)
        if delay > .zero { try? await Task.sleep(for: delay) }
        return CommandOutcome(CommandError.wrongPass.reply)
    }

    /// The token names the agent; an agent word, when given, must be its name or `default`.
    static func authenticate(_ request: AuthRequest, with authenticator: any Authenticator) async throws -> AuthenticatedIdentity? {
        guard let identity = try await authenticator.authenticate(token: request.token) else { return nil }
        if let agent = request.agent, agent != "default", agent != identity.agentName { return nil }
        return identity
    }

    private func hello(_ request: HelloRequest, state: ConnectionState) -> DispatchResult {
        let update = ConnectionUpdate(protocolVersion: request.protocolVersion, clientName: request.clientName)
        guard let credentials = request.auth else {
            guard state.identity != nil else { return .immediate(CommandOutcome(CommandError.noAuth.reply)) }
            var after = state
            update.apply(to: &after)
            return .immediate(CommandOutcome(helloMap(after), update: update))
        }
        let authenticator = services.authenticator
        let logger = self.logger
        let dispatcher = self
        let updateWithoutIdentity = update
        let throttle = authThrottle
        return .deferred(barrier: true) {
            do {
                guard let identity = try await Self.authenticate(credentials, with: authenticator) else {
                    return .ready(await Self.refusedLogin(peer: state.peer, throttle: throttle))
                }
                var update = updateWithoutIdentity
                update.identity = identity
                var after = state
                update.apply(to: &after)
                return .ready(CommandOutcome(dispatcher.helloMap(after), update: update))
            } catch let error as CommandError {
                return .ready(CommandOutcome(error.reply))
            } catch {
                logger.error("authentication failed", metadata: ["error": "\(String(reflecting: error))"])
                return .ready(CommandOutcome(CommandError.tryAgain.reply))
            }
        }
    }

    /// The same fields as Redis's HELLO map, so client libraries that read them are content.
    func helloMap(_ state: ConnectionState) -> RESPValue {
        .map([
            "server": .bulkString(ServerConfiguration.serverName),
            "version": .bulkString(ServerConfiguration.serverVersion),
            "proto": .integer(Int64(state.protocolVersion.rawValue)),
            "id": .integer(state.id),
            "mode": .bulkString("standalone"),
            "role": .bulkString("master"),
            "modules": .array([]),
        ])
    }

    private func client(_ subcommand: ClientSubcommand, state: ConnectionState) -> CommandOutcome {
        switch subcommand {
        case .setName(let name):
            return CommandOutcome(.ok, update: ConnectionUpdate(clientName: name))
        case .getName:
            return CommandOutcome(state.clientName.map(RESPValue.bulkString) ?? .null)
        case .id:
            return CommandOutcome(.integer(state.id))
        case .setInfo(.libraryName, let value):
            return CommandOutcome(.ok, update: ConnectionUpdate(libraryName: value))
        case .setInfo(.libraryVersion, let value):
            return CommandOutcome(.ok, update: ConnectionUpdate(libraryVersion: value))
        case .help:
            return CommandOutcome(CommandIntrospection(table: table).subcommandHelp(of: "client"))
        }
    }

    private func whoami(_ identity: AuthenticatedIdentity) -> RESPValue {
        .map([
            "org": .bulkString(identity.organizationName),
            "agent": .bulkString(identity.agentName),
            "role": .bulkString(identity.role.rawValue),
        ])
    }

    /// INFO answers only while the login is still valid, like WHOAMI: the node's figures are not
    /// for a token that was revoked while its connection was open.
    private func info(sections: [String], identity: AuthenticatedIdentity) -> DispatchResult {
        let report = ServerInfoReport(statistics: statistics, configuration: configuration, source: services.statistics)
        return whileLoginValid(identity) { .ready(CommandOutcome(.bulkString(await report.text(sections: sections)))) }
    }
}
