import NIOCore

/// Calls the service behind a session, token or agent command and shapes its answer as SPEC's
/// reply (in protocol-neutral `RESPValue`s; the encoder adapts them to RESP2 or RESP3).
struct ServiceCommandExecutor: Sendable {
    let services: ServerServices

    /// Submits the command in request order; the returned closure gives its reply, waiting for
    /// the group commit where the command writes (PRIORITIZE; a connection submits its TRACKs
    /// through `CommandDispatcher.submitTracks`).
    func submit(_ command: Command, by caller: AuthenticatedIdentity) async throws -> @Sendable () async throws -> RESPValue {
        switch command {
        case .prioritize(let request):
            let ticket = try await services.sessions.submitPrioritize(request, by: caller)
            return { ReplyShapes.entries(try await ticket.value()) }
        default:
            let value = try await reply(to: command, by: caller)
            return { value }
        }
    }

    func reply(to command: Command, by caller: AuthenticatedIdentity) async throws -> RESPValue {
        switch command {
        case .sessionCreate(let request):
            return .bulkString(try await services.sessions.createSession(request, by: caller).description)
        case .sessionGet(let id):
            return ReplyShapes.session(try await services.sessions.session(id, by: caller))
        case .sessionList(let limit):
            return .array(try await services.sessions.listSessions(limit: limit, by: caller).map { .bulkString($0.description) })
        case .sessionClose(let id):
            try await services.sessions.closeSession(id, by: caller)
            return .ok
        case .track(let request):
            return .integer(try await services.sessions.track(request, by: caller))
        case .prioritize(let request):
            return ReplyShapes.entries(try await services.sessions.prioritize(request, by: caller))
        case .importance(let request):
            return try await services.sessions.importance(request, by: caller).map(RESPValue.double) ?? .null
        case .top(let request):
            return ReplyShapes.entries(try await services.sessions.top(request, by: caller))
        case .tokens(let request):
            return .integer(try await services.tokens.countTokens(request))
        case .tokensEstimate(let request):
            return .integer(try await services.tokens.estimateTokens(request))
        case .metrics(let request):
            return .bulkString(try await services.sessions.metrics(request, by: caller))
        case .link(let request):
            try await services.sessions.link(request, by: caller)
            return .ok
        case .agentCreate(let name, let role):
            return .bulkString(try await services.agents.createAgent(named: name, role: role, by: caller))
        case .agentRevoke(let name):
            try await services.agents.revokeAgent(named: name, by: caller)
            return .ok
        case .agentList:
            return .array(try await services.agents.listAgents(by: caller).map(ReplyShapes.agent))
        case .hello, .auth, .ping, .echo, .quit, .client, .info, .whoami, .command, .help:
            // Connection commands never reach a service; the dispatcher answers them itself.
            throw CommandError.internalError
        }
    }
}

/// SPEC's reply shapes for the results of services.
enum ReplyShapes {
    /// `[path, importance, tokens]` per entry.
    static func entries(_ entries: [ContextEntry]) -> RESPValue {
        .array(entries.map { .array([.bulkString($0.path), .double($0.importance), .integer($0.tokens)]) })
    }

    static func session(_ info: SessionInfo) -> RESPValue {
        .map([
            "id": .bulkString(info.id.description),
            "label": info.label.map(RESPValue.bulkString) ?? .null,
            "budget": info.budget.map(RESPValue.integer) ?? .null,
            "halflife": .double(info.halfLifeSeconds),
            "parent": info.parent.map { .bulkString($0.description) } ?? .null,
            "agent": .bulkString(info.agent),
            "created_at": .integer(info.createdAt),
            "closed": .integer(info.closed ? 1 : 0),
            "resources": .integer(info.resources),
            "accesses": .integer(info.accesses),
        ])
    }

    static func agent(_ info: AgentInfo) -> RESPValue {
        .map([
            "name": .bulkString(info.name),
            "role": .bulkString(info.role.rawValue),
            "created_at": .integer(info.createdAt),
            "revoked": .integer(info.revoked ? 1 : 0),
        ])
    }
}
