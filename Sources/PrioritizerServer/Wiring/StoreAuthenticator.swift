import Foundation
import PrioritizerStore

/// `Authenticator` over the store's token hashes. Logins that are open are re-checked at most
/// once a second per agent, so a busy connection costs no database round trip per request. A
/// revocation forgets every check at once (`forgetAll`), so the token stops working with the next
/// request: AGENT.REVOKE on this node directly, one made elsewhere (another node, the command
/// line, SQL) as soon as this node hears of it (`RevocationWatch`, a few milliseconds after it
/// commits).
public final class StoreAuthenticator: Authenticator, @unchecked Sendable {
    private let store: any ResourceService
    private let recheckInterval: Duration
    private let lock = NSLock()
    /// Per agent: when it was last found active. Only agents found active are kept.
    private var checked: [UUID: ContinuousClock.Instant] = [:]
    /// Raised by `forgetAll`: a check that read the database before it is not recorded, since
    /// it may have read the agent before the revocation committed.
    private var generation = 0

    public init(store: any ResourceService, recheckInterval: Duration = .seconds(1)) {
        self.store = store
        self.recheckInterval = recheckInterval
    }

    public func authenticate(token: String) async throws -> AuthenticatedIdentity? {
        // Tokens have a fixed shape: anything else is refused without a database round trip.
        guard token.hasPrefix(AgentToken.prefix), token.utf8.count <= 128 else { return nil }
        let asOf = currentGeneration()
        do {
            guard let agent = try await store.authenticate(token: token) else { return nil }
            markActive(agent.agentID, asOf: asOf)
            return AuthenticatedIdentity(agent)
        } catch {
            throw CommandError.tryAgain
        }
    }

    public func isStillValid(_ identity: AuthenticatedIdentity) async throws -> Bool {
        if isFresh(identity.agentID) { return true }
        let asOf = currentGeneration()
        let active: Bool
        do {
            active = try await store.isAgentActive(orgID: identity.organizationID, agentID: identity.agentID)
        } catch {
            throw CommandError.tryAgain
        }
        if active { markActive(identity.agentID, asOf: asOf) } else { forget(identity.agentID) }
        return active
    }

    private func isFresh(_ agent: UUID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let at = checked[agent] else { return false }
        return ContinuousClock.now - at < recheckInterval
    }

    /// Every login is checked against the database again before its next request.
    public func forgetAll() {
        lock.lock()
        checked.removeAll()
        generation += 1
        lock.unlock()
    }

    private func currentGeneration() -> Int {
        lock.lock()
        defer { lock.unlock() }
        return generation
    }

    private func markActive(_ agent: UUID, asOf: Int) {
        lock.lock()
        if generation == asOf { checked[agent] = ContinuousClock.now }
        lock.unlock()
    }

    private func forget(_ agent: UUID) {
        lock.lock()
        checked[agent] = nil
        lock.unlock()
    }
}
