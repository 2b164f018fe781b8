import Foundation
import Prioritization

/// Everything the server persists and reads, batch-first. The seed's operations map onto it:
///
/// | seed | here |
/// | --- | --- |
/// | createSession | `createSession(orgID:_:)` |
/// | trackResource + logAccess + updateResourceImportance | `commit(_:)` with events: resources upserted, one access_logs row per event, session_resources upserted with the decayed score merged (duplicates within the batch aggregated first) |
/// | setResourceIncludedInContext | `commit(_:)` with a run: exactly the chosen resources become included, in that session only |
/// | getSessionResources | `sessionResources(orgID:sessionID:)` |
///
/// Every tenant call takes the organization: implementations run it under that organization's
/// row-level security, so a wrong id finds nothing rather than another tenant's rows.
public protocol ResourceService: Sendable {
    // Organizations and agents.
    func createOrganization(name: String) async throws -> (Organization, AgentCredentials)
    func organization(named name: String) async throws -> Organization?
    func createAgent(orgID: UUID, name: String, role: AgentRole) async throws -> AgentCredentials
    /// Returns false when no such (unrevoked) agent exists.
    func revokeAgent(orgID: UUID, name: String) async throws -> Bool
    func agents(orgID: UUID) async throws -> [AgentRecord]
    /// The agent a token belongs to, or nil for an unknown or revoked token.
    func authenticate(token: String) async throws -> AuthenticatedAgent?
    /// Whether the agent exists and is not revoked: lets servers re-check logins that are open.
    func isAgentActive(orgID: UUID, agentID: UUID) async throws -> Bool
    /// Agents revoked at or after `since`, across organizations: lets servers drop cached logins.
    func agentsRevoked(since: Date) async throws -> [UUID]
    /// Calls `onRevoked` as soon as an agent is revoked or deleted anywhere (by any node, the
    /// command line, or by hand in SQL), and whenever such news may have been missed (when its
    /// listening connection opens, or breaks), until the task running it is cancelled; then
    /// returns. Listens on a connection of its own, outside the pool.
    func watchRevocations(_ onRevoked: @escaping @Sendable () -> Void) async
    /// Makes a LOGIN role that reads only this organization's rows.
    func grantAnalyst(orgID: UUID, role: String, password: String?) async throws

    // Sessions.
    func createSession(orgID: UUID, _ session: NewSession) async throws -> SessionRecord
    func session(orgID: UUID, sessionID: UUID) async throws -> SessionRecord?
    /// The session's committed-write count and closed flag (nil when unknown): lets a node tell
    /// whether another node wrote since it loaded the session.
    func sessionVersion(orgID: UUID, sessionID: UUID) async throws -> SessionVersion?
    /// The organization's session ids, newest first.
    func sessionIDs(orgID: UUID, limit: Int) async throws -> [UUID]
    /// Returns false when the session does not exist (for this organization).
    func closeSession(orgID: UUID, sessionID: UUID) async throws -> Bool
    /// The organization's last known token count of a path (`resources.token_count`), nil when
    /// no session ever reported one.
    func lastKnownTokenCount(orgID: UUID, path: String) async throws -> Int?
    func sessionResources(orgID: UUID, sessionID: UUID) async throws -> [SessionResourceRecord]
    func accessTypeCounts(orgID: UUID, sessionID: UUID) async throws -> AccessTypeCounts
    func latestRun(orgID: UUID, sessionID: UUID) async throws -> PrioritizationRunRecord?

    // Co-access relations: derived data, written in the background rather than by group commits.
    /// The organization's relations, with the token counts its resources have for the paths they name.
    func relations(orgID: UUID) async throws -> StoredRelations
    /// Writes changed relations (current weights) and deletes dropped ones, in one transaction.
    func writeRelations(orgID: UUID, _ changes: CoAccessGraph.Changes, halfLifeSeconds: Double) async throws

    /// Persists a whole batch in one transaction; when it returns, every item is durable (except
    /// events of sessions found closed, which the outcome reports). When it throws, nothing of the
    /// batch may be acknowledged.
    @discardableResult
    func commit(_ batch: WriteBatch) async throws -> CommitOutcome

    // Nodes serving the same database (docs/scaling.md).
    /// Registers the node or renews its heartbeat, drops nodes silent for a minute, and tells how
    /// many other nodes heartbeated within `liveness`, and how many of those not since `othersSince`.
    func heartbeat(_ node: NodeRegistration, liveness: Duration, othersSince: Date?) async throws -> NodeHeartbeat
    /// Removes the node's row (graceful shutdown).
    func removeNode(_ nodeID: UUID) async throws
}
