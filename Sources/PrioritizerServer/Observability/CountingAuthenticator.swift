/// An `Authenticator` that counts its failures as database errors: checking a token (at login, and
/// again on open connections) is a store call like any other, and when the database is down it is
/// often the first one a request makes — before any runner is reached.
struct CountingAuthenticator: Authenticator {
    let base: any Authenticator
    let metrics: ServerMetrics

    func authenticate(token: String) async throws -> AuthenticatedIdentity? {
        try await counting { try await base.authenticate(token: token) }
    }

    func isStillValid(_ identity: AuthenticatedIdentity) async throws -> Bool {
        try await counting { try await base.isStillValid(identity) }
    }

    private func counting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if SessionRunner.isDatabaseFailure(SessionRunner.replyError(for: error)) { metrics.databaseErrors.increment() }
            throw error
        }
    }
}
