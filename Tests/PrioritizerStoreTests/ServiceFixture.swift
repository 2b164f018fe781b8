import Foundation
import PQ
import Prioritization
import PrioritizerStore
import TestSupport

/// A migrated database with a service and one organization ready to track into.
struct ServiceFixture {
    let database: TestDatabase
    let service: PostgresResourceService
    let org: Organization
    let admin: AgentCredentials

    static func with<T>(_ body: (ServiceFixture) async throws -> T) async throws -> T {
        try await withTestDatabase { database in
            let service = PostgresResourceService(conninfo: database.conninfo, connections: 3)
            let (org, admin) = try await service.createOrganization(name: "acme")
            let value = try await body(ServiceFixture(database: database, service: service, org: org, admin: admin))
            await service.pool.close()
            return value
        }
    }

    func newSession(label: String? = nil, halfLifeSeconds: Double = 1800) async throws -> SessionRecord {
        try await service.createSession(
            orgID: org.orgID, NewSession(agentID: admin.agent.agentID, label: label, halfLifeSeconds: halfLifeSeconds))
    }

    /// A new analyst role of the organization (`grant_analyst`); the conninfo that logs in as it.
    func newAnalystConninfo() async throws -> String {
        let role = "analyst_" + String(UUID().uuidString.prefix(8)).lowercased()
        try await service.grantAnalyst(orgID: org.orgID, role: role, password: "s3cret")
        return database.conninfo.replacingOccurrences(of: "user=postgres", with: "user=\(role)")
    }

    /// A connection as a new analyst role of the organization.
    func newAnalyst() async throws -> PQConnection {
        try await PQConnection.connect(try await newAnalystConninfo())
    }

    func event(
        _ session: SessionRecord, _ path: String, _ access: AccessType = .view, at: Int64,
        type: ResourceType = .code, modified: Bool = false, tokens: Int? = nil, size: Int? = nil
    ) -> TenantItem<TrackedAccess> {
        TenantItem(orgID: org.orgID, TrackedAccess(
            sessionID: session.sessionID, agentID: admin.agent.agentID, path: path, type: type, access: access,
            at: at, modified: modified, sizeBytes: size, tokenCount: tokens))
    }
}
