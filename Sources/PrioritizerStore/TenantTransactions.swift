import Foundation
import PQ

extension PQConnection {
    /// A transaction under one organization's row-level security: it runs as `prioritizer_app`
    /// with `prioritizer.org_id` set, so every statement sees and writes that organization only.
    /// `limits`: the transaction's statement timeout (`SET LOCAL`, so it holds behind a
    /// transaction-pooling PgBouncer too), sent with BEGIN (and with the first statement).
    /// `genericPlans`: see `GenericPlans`.
    func tenantTransaction<T>(
        _ orgID: UUID, limits: StatementLimits = .none, genericPlans: Bool = false,
        _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        // A UUID's text is hex and dashes only, so it may stand in the constant preamble.
        try transaction(
            preamble: limits.preamble + (genericPlans ? [GenericPlans.preamble] : []) + [
                "SET LOCAL ROLE prioritizer_app",
                "SELECT set_config('prioritizer.org_id', '\(orgID.uuidString.lowercased())', true)",
            ], body)
    }

    /// Within a tenant transaction, moves to another organization for the following statements.
    func switchTenant(_ orgID: UUID) throws {
        try query("SELECT set_config('prioritizer.org_id', \(orgID.uuidString.lowercased()), true)")
    }

    /// A transaction for lookups across organizations (tokens, organizations by name) and for the
    /// node table: it runs as `prioritizer_system`, whose policies open only `organizations` and
    /// `agents` of the tenant tables.
    func systemTransaction<T>(
        limits: StatementLimits = .none, _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        try transaction(preamble: limits.preamble + ["SET LOCAL ROLE prioritizer_system"], body)
    }
}

/// Prepared statements run with their generic plan instead of one planned for each execution's
/// parameters: for transactions whose statements plan the same whatever the values (the group
/// commit's, written to probe an index per row whatever the planner believes).
///
/// PostgreSQL plans the first five executions of a prepared statement for their values, then
/// keeps doing so while that looks cheaper than the generic plan, which it always did for the
/// group commit's array-parameter statements: every commit planned its four or five statements
/// anew, under row-level security. Measured with one client sending TRACKs one at a time (2 cores,
/// fsync on): 535–602 TRACK/s (p50 1.78–1.34 ms) planning each time, 794–882 (1.25–1.12 ms) with
/// generic plans; a commit's own time fell from 1.72 to 1.22 ms. Pipelined and 50-client runs,
/// whose batches are hundreds of events, did not change beyond the machine's noise.
enum GenericPlans {
    static let preamble = "SET LOCAL plan_cache_mode = force_generic_plan"
}

/// How long one statement of the server's transactions may run before PostgreSQL cancels it:
/// a database that hangs on a statement then costs a bounded wait and a -TRYAGAIN, not a
/// request (or a graceful shutdown) waiting forever. Flag `--statement-timeout-ms`.
public struct StatementLimits: Sendable, Hashable {
    public var statementTimeout: Duration?

    public init(statementTimeout: Duration?) {
        self.statementTimeout = statementTimeout
    }

    public static let none = StatementLimits(statementTimeout: nil)
    public static let defaultStatementTimeout: Duration = .seconds(30)

    /// `SET LOCAL statement_timeout = …`, or nothing; whole milliseconds (digits only).
    var preamble: [String] {
        guard let timeout = statementTimeout else { return [] }
        let milliseconds = max(1, timeout / .milliseconds(1))
        return ["SET LOCAL statement_timeout = \(Int(milliseconds))"]
    }
}
