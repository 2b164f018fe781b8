/// Turns a token into an identity. Implemented by the store (token hashes, revocation); the
/// server never sees how tokens are kept.
public protocol Authenticator: Sendable {
    /// The agent a token belongs to, or nil when the token is unknown or revoked
    /// (answered `-WRONGPASS invalid token`). Throw `CommandError.tryAgain` when the database is
    /// unreachable.
    func authenticate(token: String) async throws -> AuthenticatedIdentity?

    /// Whether an identity authenticated earlier may still act. Called before every command that
    /// reaches a service, so a revoked token stops working on open connections too; an
    /// implementation may cache the answer briefly (SPEC allows up to a second).
    func isStillValid(_ identity: AuthenticatedIdentity) async throws -> Bool
}
