import Foundation
import PrioritizerStore

/// `Authenticator` over the store's token hashes. Logins that are open are re-checked at most
/// once a second per agent, so a revoked token stops working on open connections within a second
/// while a busy connection costs no database round trip per request.
public final class StoreAuthenticator: Authenticator, @unchecked Sendable {
    private let store: any ResourceService
    private let recheckInterval: Duration
    private let lock = NSLock()
    /// Per agent: when it was last found active. Only agents found active are kept.
    private var checked: [UUID: ContinuousClock.Instant] = [:]

    public init(store: any ResourceService, recheckInterval: Duration = .seconds(1)) {
        self.store = store
        self.recheckInterval = recheckInterval
    }

    public func authenticate(token: String) async throws -> AuthenticatedIdentity? {
        // Tokens have a fixed shape: anything else is refused without a database round trip.
        guard token.hasPrefix(AgentToken.prefix), token.utf8.count <= 128 else { return nil }
        do {
            guard let agent = try await store.authenticate(token: token) else { return nil }
            markActive(agent.agentID)
            return AuthenticatedIdentity(agent)
        } catch {
            throw CommandError.tryAgain
        }
    }

    public func isStillValid(_ identity: AuthenticatedIdentity) async throws -> Bool {
        if isFresh(identity.agentID) { return true }
        let active: Bool
        do {
            active = try await store.isAgentActive(orgID: identity.organizationID, agentID: identity.agentID)
        } catch {
            throw CommandError.tryAgain
        }
        if active { markActive(identity.agentID) } else { forget(identity.agentID) }
        return active
    }

    private func isFresh(_ agent: UUID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let at = checked[agent] else { return false }
        return ContinuousClock.now - at < recheckInterval
    }

    private func markActive(_ agent: UUID) {
        lock.lock()
        checked[agent] = ContinuousClock.now
        lock.unlock()
    }

    private func forget(_ agent: UUID) {
        lock.lock()
        checked[agent] = nil
        lock.unlock()
    }
}
