import Foundation
import PrioritizerStore

/// AGENT.CREATE, AGENT.REVOKE and AGENT.LIST over the store, within the caller's organization.
public struct StoreAgentAdministration: AgentAdministration {
    private let store: any ResourceService
    /// Called once a revocation committed: the authenticator's recent checks are void.
    private let onRevoked: @Sendable () -> Void

    public init(store: any ResourceService, onRevoked: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.onRevoked = onRevoked
    }

    public func createAgent(named name: String, role: AgentRole, by caller: AuthenticatedIdentity) async throws -> String {
        do {
            return try await store.createAgent(orgID: caller.organizationID, name: name, role: role).token
        } catch StoreError.duplicate {
            throw CommandError("agent '\(name)' already exists")
        } catch StoreError.invalid(let reason) {
            throw CommandError(reason)
        } catch {
            throw SessionRunner.replyError(for: error)
        }
    }

    public func revokeAgent(named name: String, by caller: AuthenticatedIdentity) async throws {
        let revoked: Bool
        do {
            revoked = try await store.revokeAgent(orgID: caller.organizationID, name: name)
        } catch {
            throw SessionRunner.replyError(for: error)
        }
        guard revoked else { throw CommandError("no such agent '\(name)'") }
        onRevoked()
    }

    public func listAgents(by caller: AuthenticatedIdentity) async throws -> [AgentInfo] {
        do {
            return try await store.agents(orgID: caller.organizationID).map { agent in
                AgentInfo(
                    name: agent.name, role: agent.role,
                    createdAt: agent.createdAt.unixMilliseconds,
                    revoked: agent.revokedAt != nil)
            }
        } catch {
            throw SessionRunner.replyError(for: error)
        }
    }
}
