import PrioritizerStore

extension ServerServices {
    /// The production wiring: authentication and agents from the store, sessions on the runners,
    /// exact token counting.
    public static func backed(by store: any ResourceService, runners: RunnerPool) -> ServerServices {
        ServerServices(
            authenticator: StoreAuthenticator(store: store), sessions: runners, tokens: TokenizerTokenCounting(),
            agents: StoreAgentAdministration(store: store), statistics: runners)
    }
}
