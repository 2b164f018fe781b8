import NIOCore
import PrioritizerStore

/// A request parsed and validated against its command's declaration: what the dispatcher
/// executes. Each case carries typed values only, never raw words.
public enum Command: Sendable, Hashable {
    // Connection.
    case hello(HelloRequest)
    case auth(AuthRequest)
    case ping(message: ByteBuffer?)
    case echo(ByteBuffer)
    case quit
    case client(ClientSubcommand)
    case info(sections: [String])
    case whoami
    case command(CommandSubcommand)
    case help(command: String?)

    // Sessions, tracking, prioritization, tokens.
    case sessionCreate(CreateSessionRequest)
    case sessionGet(SessionID)
    case sessionList(limit: Int64)
    case sessionClose(SessionID)
    case track(TrackRequest)
    case prioritize(PrioritizeRequest)
    case importance(ImportanceRequest)
    case top(TopRequest)
    case tokens(TokensRequest)
    case tokensEstimate(TokenEstimateRequest)
    case metrics(MetricsRequest)
    case link(LinkRequest)

    // Administration.
    case agentCreate(name: String, role: AgentRole)
    case agentRevoke(name: String)
    case agentList

    /// Whether this request writes, for commands declared `write`: PRIORITIZE is declared
    /// write yet open to readers, because its DRYRUN form writes nothing.
    var writes: Bool {
        if case .prioritize(let request) = self { return !request.dryRun }
        return true
    }
}

/// `HELLO [protover [AUTH agent token] [SETNAME name]]`
public struct HelloRequest: Sendable, Hashable {
    public var protocolVersion: RESPProtocolVersion?
    public var auth: AuthRequest?
    public var clientName: String?

    public init(protocolVersion: RESPProtocolVersion? = nil, auth: AuthRequest? = nil, clientName: String? = nil) {
        self.protocolVersion = protocolVersion
        self.auth = auth
        self.clientName = clientName
    }
}

/// `AUTH token` or `AUTH agent token`.
public struct AuthRequest: Sendable, Hashable, CustomStringConvertible {
    /// The agent word, when given: must be the token's agent's name or `default`.
    public var agent: String?
    public var token: String

    public init(agent: String?, token: String) {
        self.agent = agent
        self.token = token
    }

    /// Never shows the token, so a request can be logged safely.
    public var description: String { "AuthRequest(agent: \(agent ?? "-"), token: <redacted>)" }
}

public enum ClientSubcommand: Sendable, Hashable {
    case setName(String)
    case getName
    case id
    case setInfo(ClientLibraryAttribute, String)
    case help
}

/// What `CLIENT SETINFO` may set, as Redis 7.2.
public enum ClientLibraryAttribute: String, Sendable, Hashable {
    case libraryName = "LIB-NAME"
    case libraryVersion = "LIB-VER"
}

public enum CommandSubcommand: Sendable, Hashable {
    case all
    case count
    case list
    case info([String])
    case docs([String])
    case help
}
