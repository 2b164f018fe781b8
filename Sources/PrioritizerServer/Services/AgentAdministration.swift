import PrioritizerStore
/// AGENT.CREATE, AGENT.REVOKE, AGENT.LIST within the caller's organization (the server has
/// already checked that the caller is an admin).
public protocol AgentAdministration: Sendable {
    /// The new agent's token, shown only in this reply. Throw a `CommandError` (for example
    /// `CommandError("agent 'x' already exists")`) when the name is taken.
    func createAgent(named name: String, role: AgentRole, by caller: AuthenticatedIdentity) async throws -> String
    /// Throw a `CommandError` (for example `CommandError("no such agent 'x'")`) for an unknown name.
    func revokeAgent(named name: String, by caller: AuthenticatedIdentity) async throws
    func listAgents(by caller: AuthenticatedIdentity) async throws -> [AgentInfo]
}
