import PrioritizerStore

extension ServerServices {
    /// The production wiring: authentication and agents from the store, sessions on the runners,
    /// exact token counting.
    public static func backed(by store: any ResourceService, runners: RunnerPool) -> ServerServices {
        let authenticator = StoreAuthenticator(store: store)
        return ServerServices(
            authenticator: authenticator, sessions: runners, tokens: TokenizerTokenCounting(),
            agents: StoreAgentAdministration(store: store, onRevoked: { authenticator.forgetAll() }), statistics: runners)
    }
}
