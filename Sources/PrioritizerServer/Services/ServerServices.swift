/// Everything the server calls out to, bundled so the executable wires it in one place.
public struct ServerServices: Sendable {
    public var authenticator: any Authenticator
    public var sessions: any SessionCommandHandler
    public var tokens: any TokenCounting
    public var agents: any AgentAdministration
    public var statistics: (any ServerStatisticsSource)?

    public init(
        authenticator: any Authenticator,
        sessions: any SessionCommandHandler,
        tokens: any TokenCounting,
        agents: any AgentAdministration,
        statistics: (any ServerStatisticsSource)? = nil
    ) {
        self.authenticator = authenticator
        self.sessions = sessions
        self.tokens = tokens
        self.agents = agents
        self.statistics = statistics
    }
}
