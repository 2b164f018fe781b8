import Foundation
import PQ
@testable import PrioritizerStore
import Testing
import TestSupport

/// The server's transactions start with one prepared statement of settings (`TransactionSettings`):
/// the role, the organization, the statement timeout and the plan mode hold inside, and none of
/// them outlives the transaction.
@Suite("Transaction settings: role, organization, limits") struct TransactionSettingsTests {
    @Test func tenantAndSystemTransactionsRunUnderTheirSettingsAndLeaveNoneBehind() async throws {
        try await ServiceFixture.with { fixture in
            let connection = try await fixture.database.connect()
            let first = UUID()
            let second = UUID()
            let probe: PQQuery = """
                SELECT current_user::text, current_setting('prioritizer.org_id', true), current_setting('statement_timeout'),
                       current_setting('plan_cache_mode')
                """
            let (login, tenant, again, system) = try await connection.withConnection { connection in
                let login = try Self.settings(try connection.query(probe)[0])
                let tenant = try connection.tenantTransaction(
                    first, limits: StatementLimits(statementTimeout: .milliseconds(4321)), genericPlans: true
                ) { connection in try Self.settings(try connection.query(probe)[0]) }
                let again = try connection.tenantTransaction(second) { connection in
                    // Moving to another organization within the transaction, as a batch of several does.
                    try connection.switchTenant(first)
                    return try Self.settings(try connection.query(probe)[0])
                }
                let system = try connection.systemTransaction(limits: StatementLimits(statementTimeout: .seconds(2))) {
                    connection in try Self.settings(try connection.query(probe)[0])
                }
                return (login, tenant, again, system)
            }
            #expect(tenant == ["prioritizer_app", first.uuidString.lowercased(), "4321ms", "force_generic_plan"])
            #expect(again == ["prioritizer_app", first.uuidString.lowercased(), login[2], login[3]])
            #expect(system[0] == "prioritizer_system" && system[2] == "2s")
            let after = try await connection.withConnection { connection in try Self.settings(try connection.query(probe)[0]) }
            #expect(after[0] == login[0] && after[2] == login[2] && after[3] == login[3])
            #expect(after[1] == "-" || after[1] == "")
        }
    }

    private static func settings(_ row: PQRow) throws -> [String] {
        try (0..<4).map { try row.decode($0, as: String?.self) ?? "-" }
    }
}
