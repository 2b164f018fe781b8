import Foundation
import PQ

extension PQConnection {
    /// A transaction under one organization's row-level security: it runs as `prioritizer_app`
    /// with `prioritizer.org_id` set, so every statement sees and writes that organization only.
    func tenantTransaction<T>(
        _ orgID: UUID, _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        // A UUID's text is hex and dashes only, so it may stand in the constant preamble.
        try transaction(preamble: """
            SET LOCAL ROLE prioritizer_app; \
            SELECT set_config('prioritizer.org_id', '\(orgID.uuidString.lowercased())', true)
            """, body)
    }

    /// Within a tenant transaction, moves to another organization for the following statements.
    func switchTenant(_ orgID: UUID) throws {
        try query("SELECT set_config('prioritizer.org_id', \(orgID.uuidString.lowercased()), true)")
    }

    /// A transaction for lookups across organizations (tokens, organizations by name): it runs as
    /// `prioritizer_system`, whose policies open only `organizations` and `agents`.
    func systemTransaction<T>(_ body: @Sendable (isolated PQConnection) throws -> T) throws -> T {
        try transaction(preamble: "SET LOCAL ROLE prioritizer_system", body)
    }
}
