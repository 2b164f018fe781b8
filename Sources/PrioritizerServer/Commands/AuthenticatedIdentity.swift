import Foundation
import PrioritizerStore

/// Who a connection speaks for once AUTH succeeded: one agent of one organization.
public struct AuthenticatedIdentity: Sendable, Hashable {
    public var organizationID: UUID
    public var organizationName: String
    public var agentID: UUID
    public var agentName: String
    public var role: AgentRole

    public init(organizationID: UUID, organizationName: String, agentID: UUID, agentName: String, role: AgentRole) {
        self.organizationID = organizationID
        self.organizationName = organizationName
        self.agentID = agentID
        self.agentName = agentName
        self.role = role
    }
}

extension AuthenticatedIdentity {
    /// The store's answer to a token, as the server keeps it.
    public init(_ agent: AuthenticatedAgent) {
        self.init(
            organizationID: agent.orgID, organizationName: agent.orgName, agentID: agent.agentID,
            agentName: agent.agentName, role: agent.role)
    }
}
