import PrioritizerStore

extension ServerServices {
    /// The production wiring: authentication and agents from the store, sessions on the runners,
    /// exact token counting.
    /// `recheckInterval`: how long a checked login is trusted without asking the database again
    /// (revocations anywhere end that trust at once: `RevocationWatch`).
    public static func backed(
        by store: any ResourceService, runners: RunnerPool, recheckInterval: Duration = .seconds(1)
    ) -> ServerServices {
        let authenticator = StoreAuthenticator(store: store, recheckInterval: recheckInterval)
        runners.revocations.onRevocation { authenticator.forgetAll() }
        return ServerServices(
            authenticator: authenticator, sessions: runners, tokens: TokenizerTokenCounting(),
            agents: StoreAgentAdministration(store: store, onRevoked: { authenticator.forgetAll() }), statistics: runners)
    }
}
