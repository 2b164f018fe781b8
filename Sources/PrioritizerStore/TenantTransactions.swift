import Foundation
import PQ

extension PQConnection {
    /// A transaction under one organization's row-level security: it runs as `prioritizer_app`
    /// with `prioritizer.org_id` set, so every statement sees and writes that organization only.
    /// `limits`: the transaction's statement timeout (transaction-local, so it holds behind a
    /// transaction-pooling PgBouncer too). `genericPlans`: see `GenericPlans`. All of it is one
    /// prepared statement sent with BEGIN and the body's first statement (`TransactionSettings`).
    func tenantTransaction<T>(
        _ orgID: UUID, limits: StatementLimits = .none, genericPlans: Bool = false,
        _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        var settings = TransactionSettings(role: "prioritizer_app", limits: limits)
        if genericPlans { settings.add(GenericPlans.setting) }
        settings.add(("prioritizer.org_id", orgID.uuidString.lowercased()))
        return try transaction(preamble: [settings.statement], body)
    }

    /// Within a tenant transaction, moves to another organization for the following statements.
    func switchTenant(_ orgID: UUID) throws {
        try query(prepared: "SELECT set_config('prioritizer.org_id', \(orgID.uuidString.lowercased()), true)")
    }

    /// A transaction for lookups across organizations (tokens, organizations by name) and for the
    /// node table: it runs as `prioritizer_system`, whose policies open only `organizations` and
    /// `agents` of the tenant tables.
    func systemTransaction<T>(
        limits: StatementLimits = .none, _ body: @Sendable (isolated PQConnection) throws -> T
    ) throws -> T {
        try transaction(preamble: [TransactionSettings(role: "prioritizer_system", limits: limits).statement], body)
    }
}

/// The settings a server transaction starts with (its role, statement timeout, organization…),
/// each transaction-local, as one prepared `SELECT set_config(…), …`.
///
/// Why one statement: as `SET LOCAL` statements and a `set_config` for the organization, each
/// was parsed (and the `SELECT` planned) in every transaction: four statements before the group
/// commit's own. Measured with pgbench on this 2-core machine, one client, BEGIN, the settings
/// and COMMIT in one pipelined flight, four alternations: 97–108 µs a transaction with the four
/// statements, 65–68 µs with this one prepared, 59–61 µs with BEGIN and COMMIT alone.
/// `set_config('role', …, true)` is what `SET LOCAL ROLE` does (the same membership check);
/// the settings apply from left to right, so the role is in force before anything after it.
struct TransactionSettings {
    private var settings: [(name: String, value: String)] = []

    init(role: String, limits: StatementLimits) {
        if let timeout = limits.setting { add(timeout) }
        add(("role", role))
    }

    mutating func add(_ setting: (name: String, value: String)) {
        settings.append(setting)
    }

    /// The names are the statement's text (a fixed handful of statements per connection, each
    /// prepared once); the values are its parameters.
    var statement: PQQuery {
        let calls = settings.indices.map { "set_config('\(settings[$0].name)', $\($0 + 1), true)" }
        return PQQuery("SELECT " + calls.joined(separator: ", "), settings.map(\.value)).prepared()
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
    static let setting = (name: "plan_cache_mode", value: "force_generic_plan")
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

    /// `statement_timeout` in whole milliseconds, or nothing.
    var setting: (name: String, value: String)? {
        guard let timeout = statementTimeout else { return nil }
        let milliseconds = max(1, timeout / .milliseconds(1))
        return ("statement_timeout", "\(Int(milliseconds))")
    }
}
