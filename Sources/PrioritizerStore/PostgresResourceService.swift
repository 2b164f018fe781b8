import Foundation
import PQ
import Prioritization

/// `ResourceService` on PostgreSQL. Tenant work runs under row-level security for the
/// organization it names (`tenantTransaction`); only token and organization lookups cross tenants
/// (`systemTransaction`).
public final class PostgresResourceService: ResourceService {
    public let pool: PQConnectionPool
    public let model: ImportanceModel
    public let limits: StatementLimits
    private let resourceCache = ResourceFactsCache()

    public init(pool: PQConnectionPool, model: ImportanceModel = .standard, limits: StatementLimits = .none) {
        self.pool = pool
        self.model = model
        self.limits = limits
    }

    public convenience init(conninfo: String, connections: Int = 4, limits: StatementLimits = .none) {
        self.init(pool: PQConnectionPool(conninfo: conninfo, capacity: connections), limits: limits)
    }

    // MARK: - Running work

    func onConnection<T: Sendable>(_ body: @escaping @Sendable (isolated PQConnection) throws -> T) async throws -> T {
        do {
            return try await onConnectionUntranslated(body)
        } catch {
            throw StoreError.translating(error)
        }
    }

    /// `onConnection` with errors as PostgreSQL and libpq reported them, for a caller that decides
    /// on the details (the group commit's retries) and translates what it throws itself.
    private func onConnectionUntranslated<T: Sendable>(
        _ body: @escaping @Sendable (isolated PQConnection) throws -> T
    ) async throws -> T {
        try await pool.withConnection { connection in
            try await connection.withConnection(body)
        }
    }

    func tenant<T: Sendable>(
        _ orgID: UUID, genericPlans: Bool = false, _ body: @escaping @Sendable (isolated PQConnection) throws -> T
    ) async throws -> T {
        try await runTransaction { try await self.tenantUntranslated(orgID, genericPlans: genericPlans, body) }
    }

    /// Runs `transaction` (BEGIN … COMMIT on a pooled connection), and what it throws translated
    /// (`StoreError.translating`). Runs it a second time when its connection broke before COMMIT
    /// ran, so nothing of it was kept: typically a pooled connection whose backend a database
    /// restart ended while it sat idle. The pool checks its other idle connections after that, so
    /// the second run gets a working one if there is any.
    private func runTransaction<T>(_ transaction: () async throws -> T) async throws -> T {
        do {
            do {
                return try await transaction()
            } catch PQError.connectionLost(_, duringCommit: false) {
                return try await transaction()
            }
        } catch {
            throw StoreError.translating(error)
        }
    }

    private func tenantUntranslated<T: Sendable>(
        _ orgID: UUID, genericPlans: Bool, _ body: @escaping @Sendable (isolated PQConnection) throws -> T
    ) async throws -> T {
        let limits = self.limits
        return try await onConnectionUntranslated { connection in
            try connection.tenantTransaction(orgID, limits: limits, genericPlans: genericPlans, body)
        }
    }

    func system<T: Sendable>(_ body: @escaping @Sendable (isolated PQConnection) throws -> T) async throws -> T {
        let limits = self.limits
        return try await runTransaction {
            try await self.onConnectionUntranslated { connection in try connection.systemTransaction(limits: limits, body) }
        }
    }

    /// Health check: opens a connection of its own (a saturated pool must not make a busy server
    /// look dead) and runs `SELECT 1`. Throws what went wrong.
    public func checkReachable(connectTimeoutSeconds: Int = 2) async throws {
        let connection = try await PQConnection.connect(pool.conninfo, connectTimeoutSeconds: connectTimeoutSeconds)
        do {
            try await connection.executeScript("SELECT 1")
        } catch {
            await connection.close()
            throw StoreError.translating(error)
        }
        await connection.close()
    }

    // MARK: - Organizations and agents

    public func createOrganization(name: String) async throws -> (Organization, AgentCredentials) {
        let token = AgentToken.generate()
        let hash = PQBytes(AgentToken.hash(token))
        do {
            return try await system { connection in
                let org = try connection.query("""
                    INSERT INTO prioritizer.organizations (name) VALUES (\(name))
                    RETURNING org_id, name, created_at
                    """)[0]
                let organization = Organization(orgID: try org.decode(0), name: try org.decode(1), createdAt: try org.decode(2))
                let agent = try Self.insertAgent(connection, orgID: organization.orgID, name: "admin", role: .admin, hash: hash)
                return (organization, AgentCredentials(agent: agent, token: token))
            }
        } catch let error as PQError where error.sqlState == PQError.State.uniqueViolation {
            throw StoreError.duplicate("organization '\(name)' already exists")
        }
    }

    public func organization(named name: String) async throws -> Organization? {
        try await system { connection in
            try connection.query("SELECT org_id, name, created_at FROM prioritizer.organizations WHERE name = \(name)")
                .first.map { Organization(orgID: try $0.decode(0), name: try $0.decode(1), createdAt: try $0.decode(2)) }
        }
    }

    /// Throws `StoreError.invalid` for a name `AgentName` refuses.
    public func createAgent(orgID: UUID, name: String, role: AgentRole) async throws -> AgentCredentials {
        if let problem = AgentName.problem(with: name.utf8) { throw StoreError.invalid(problem) }
        let token = AgentToken.generate()
        let hash = PQBytes(AgentToken.hash(token))
        do {
            let agent = try await tenant(orgID) { connection in
                try Self.insertAgent(connection, orgID: orgID, name: name, role: role, hash: hash)
            }
            return AgentCredentials(agent: agent, token: token)
        } catch let error as PQError where error.sqlState == PQError.State.uniqueViolation {
            throw StoreError.duplicate("agent '\(name)' already exists")
        } catch let error as PQError where error.sqlState == PQError.State.insufficientPrivilege {
            // RLS's WITH CHECK refuses a row for an organization other than the transaction's.
            throw StoreError.notFound("no such organization")
        }
    }

    private static func insertAgent(
        _ connection: isolated PQConnection, orgID: UUID, name: String, role: AgentRole, hash: PQBytes
    ) throws -> AgentRecord {
        let row = try connection.query("""
            INSERT INTO prioritizer.agents (org_id, name, role, token_hash)
            VALUES (\(orgID), \(name), \(role.rawValue), \(hash))
            RETURNING org_id, agent_id, name, role, created_at, revoked_at
            """)[0]
        return try agentRecord(row)
    }

    private static func agentRecord(_ row: PQRow) throws -> AgentRecord {
        AgentRecord(
            orgID: try row.decode(0), agentID: try row.decode(1), name: try row.decode(2),
            role: try AgentRole(word: try row.decode(3, as: String.self)),
            createdAt: try row.decode(4), revokedAt: try row.decode(5)
        )
    }

    public func revokeAgent(orgID: UUID, name: String) async throws -> Bool {
        try await tenant(orgID) { connection in
            try connection.execute("""
                UPDATE prioritizer.agents SET revoked_at = clock_timestamp()
                WHERE org_id = \(orgID) AND name = \(name) AND revoked_at IS NULL
                """) == 1
        }
    }

    public func agents(orgID: UUID) async throws -> [AgentRecord] {
        try await tenant(orgID) { connection in
            try connection.query("""
                SELECT org_id, agent_id, name, role, created_at, revoked_at FROM prioritizer.agents
                WHERE org_id = \(orgID) ORDER BY name
                """).map(Self.agentRecord)
        }
    }

    public func authenticate(token: String) async throws -> AuthenticatedAgent? {
        let hash = AgentToken.hash(token)
        return try await system { connection in
            let rows = try connection.query("""
                SELECT a.org_id, o.name, a.agent_id, a.name, a.role, a.token_hash
                FROM prioritizer.agents a JOIN prioritizer.organizations o ON o.org_id = a.org_id
                WHERE a.token_hash = \(PQBytes(hash)) AND a.revoked_at IS NULL
                """)
            guard let row = rows.first,
                  AgentToken.constantTimeEqual(try row.decode(5, as: PQBytes.self).bytes, hash)
            else { return nil }
            return AuthenticatedAgent(
                orgID: try row.decode(0), orgName: try row.decode(1), agentID: try row.decode(2),
                agentName: try row.decode(3), role: try AgentRole(word: try row.decode(4, as: String.self))
            )
        }
    }

    public func isAgentActive(orgID: UUID, agentID: UUID) async throws -> Bool {
        try await tenant(orgID) { connection in
            try connection.query(prepared: """
                SELECT count(*) FROM prioritizer.agents
                WHERE org_id = \(orgID) AND agent_id = \(agentID) AND revoked_at IS NULL
                """)[0].decode(0, as: Int.self) == 1
        }
    }

    public func lastKnownTokenCount(orgID: UUID, path: String) async throws -> Int? {
        try await tenant(orgID) { connection in
            try connection.query(prepared: """
                SELECT token_count FROM prioritizer.resources WHERE org_id = \(orgID) AND path = \(path)
                """).first.flatMap { try $0.decode(0, as: Int?.self) }
        }
    }

    public func agentsRevoked(since: Date) async throws -> [UUID] {
        try await system { connection in
            try connection.query("SELECT agent_id FROM prioritizer.agents WHERE revoked_at >= \(since)")
                .map { try $0.decode(0) }
        }
    }

    public func grantAnalyst(orgID: UUID, role: String, password: String?) async throws {
        do {
            _ = try await onConnection { connection in
                try connection.query("SELECT prioritizer.grant_analyst(\(role), \(orgID), \(password))")
            }
        } catch let error as PQError where error.sqlState == "42602" || error.sqlState == "42710" {
            throw StoreError.duplicate(error.description)
        }
    }

    // MARK: - Sessions

    public func createSession(orgID: UUID, _ session: NewSession) async throws -> SessionRecord {
        try await tenant(orgID) { connection in
            if let parent = session.parentSessionID {
                let found = try connection.query("""
                    SELECT 1 FROM prioritizer.sessions WHERE org_id = \(orgID) AND session_id = \(parent)
                    """)
                guard !found.isEmpty else { throw StoreError.notFound("no such parent session") }
            }
            try connection.execute("""
                INSERT INTO prioritizer.sessions
                    (org_id, session_id, agent_id, label, budget, half_life_s, encoding, parent_session_id)
                VALUES (\(orgID), \(session.sessionID), \(session.agentID), \(session.label), \(session.budget),
                        \(session.halfLifeSeconds), \(session.encoding), \(session.parentSessionID))
                """)
            if let parent = session.parentSessionID {
                // The child starts from the parent's resources, counts and importance as they stand.
                try connection.execute("""
                    INSERT INTO prioritizer.session_resources
                        (org_id, session_id, resource_id, score, score_at, access_count, view_count, edit_count,
                         execute_count, reference_count, token_count, modified, included_in_context,
                         first_access_at, last_access_at)
                    SELECT org_id, \(session.sessionID), resource_id, score, score_at, access_count, view_count,
                           edit_count, execute_count, reference_count, token_count, modified, false,
                           first_access_at, last_access_at
                    FROM prioritizer.session_resources
                    WHERE org_id = \(orgID) AND session_id = \(parent)
                    """)
            }
            guard let record = try Self.sessionRecord(connection, orgID: orgID, sessionID: session.sessionID) else {
                throw StoreError.notFound("session vanished after insert")
            }
            return record
        }
    }

    public func session(orgID: UUID, sessionID: UUID) async throws -> SessionRecord? {
        try await tenant(orgID) { connection in
            try Self.sessionRecord(connection, orgID: orgID, sessionID: sessionID)
        }
    }

    private static func sessionRecord(_ connection: isolated PQConnection, orgID: UUID, sessionID: UUID) throws -> SessionRecord? {
        guard let row = try connection.query("""
            SELECT s.org_id, s.session_id, s.agent_id, a.name, s.label, s.budget, s.half_life_s, s.encoding,
                   s.parent_session_id, s.created_at, s.closed_at, s.version,
                   (SELECT count(*) FROM prioritizer.session_resources sr
                     WHERE sr.org_id = s.org_id AND sr.session_id = s.session_id),
                   (SELECT count(*) FROM prioritizer.access_logs l
                     WHERE l.org_id = s.org_id AND l.session_id = s.session_id)
            FROM prioritizer.sessions s JOIN prioritizer.agents a ON a.org_id = s.org_id AND a.agent_id = s.agent_id
            WHERE s.org_id = \(orgID) AND s.session_id = \(sessionID)
            """).first else { return nil }
        return SessionRecord(
            orgID: try row.decode(0), sessionID: try row.decode(1), agentID: try row.decode(2),
            agentName: try row.decode(3), label: try row.decode(4), budget: try row.decode(5),
            halfLifeSeconds: try row.decode(6), encoding: try row.decode(7), parentSessionID: try row.decode(8),
            createdAt: try row.decode(9), closedAt: try row.decode(10),
            resources: try row.decode(12), accesses: try row.decode(13), version: try row.decode(11)
        )
    }

    public func sessionIDs(orgID: UUID, limit: Int) async throws -> [UUID] {
        try await tenant(orgID) { connection in
            try connection.query("""
                SELECT session_id FROM prioritizer.sessions WHERE org_id = \(orgID)
                ORDER BY created_at DESC, session_id LIMIT \(max(0, limit))
                """).map { try $0.decode(0) }
        }
    }

    public func sessionVersion(orgID: UUID, sessionID: UUID) async throws -> SessionVersion? {
        try await tenant(orgID) { connection in
            try connection.query(prepared: """
                SELECT version, closed_at IS NOT NULL FROM prioritizer.sessions
                WHERE org_id = \(orgID) AND session_id = \(sessionID)
                """).first.map { SessionVersion(version: try $0.decode(0), isClosed: try $0.decode(1)) }
        }
    }

    public func closeSession(orgID: UUID, sessionID: UUID) async throws -> Bool {
        try await tenant(orgID) { connection in
            try connection.query("""
                UPDATE prioritizer.sessions
                SET closed_at = coalesce(closed_at, clock_timestamp()), version = version + 1
                WHERE org_id = \(orgID) AND session_id = \(sessionID)
                RETURNING session_id
                """).count == 1
        }
    }

    /// A session's resources, by path. Two single-table reads on their keys rather than one join:
    /// right after a bulk load, before autovacuum has analyzed the tables, the planner once chose a
    /// join for this that ran for minutes per session (seen under benchmark load); key lookups
    /// cost the same whatever the statistics say.
    public func sessionResources(orgID: UUID, sessionID: UUID) async throws -> [SessionResourceRecord] {
        try await tenant(orgID) { connection in
            let rows = try connection.query("""
                SELECT resource_id, token_count, score, (extract(epoch FROM score_at) * 1000)::bigint,
                       view_count, edit_count, execute_count, reference_count, modified, included_in_context,
                       (extract(epoch FROM first_access_at) * 1000)::bigint,
                       (extract(epoch FROM last_access_at) * 1000)::bigint
                FROM prioritizer.session_resources
                WHERE org_id = \(orgID) AND session_id = \(sessionID)
                """)
            guard !rows.isEmpty else { return [] }
            var facts: [UUID: (path: String, type: ResourceType, sizeBytes: Int?)] = [:]
            let ids: [UUID] = try rows.map { try $0.decode(0) }
            for row in try connection.query("""
                SELECT resource_id, path, type, size_bytes FROM prioritizer.resources
                WHERE org_id = \(orgID) AND resource_id = ANY(\(ids))
                """) {
                facts[try row.decode(0)] = (
                    try row.decode(1), try ResourceType(word: try row.decode(2, as: String.self)), try row.decode(3))
            }
            return try rows.map { row in
                let id: UUID = try row.decode(0)
                guard let resource = facts[id] else {
                    throw StoreError.notFound("session resource \(id.uuidString.lowercased()) has no resource row")
                }
                return SessionResourceRecord(
                    resourceID: id, path: resource.path, type: resource.type,
                    sizeBytes: resource.sizeBytes, tokenCount: try row.decode(1),
                    score: DecayedScore(score: try row.decode(2), at: try row.decode(3)),
                    accessCounts: AccessCounts(
                        view: try row.decode(4), edit: try row.decode(5), execute: try row.decode(6),
                        reference: try row.decode(7)),
                    modified: try row.decode(8), includedInContext: try row.decode(9),
                    firstAccessAt: try row.decode(10), lastAccessAt: try row.decode(11)
                )
            }.sorted { $0.path < $1.path }
        }
    }

    public func accessTypeCounts(orgID: UUID, sessionID: UUID) async throws -> AccessTypeCounts {
        try await tenant(orgID) { connection in
            var counts: AccessTypeCounts = [:]
            for row in try connection.query("""
                SELECT access_type, count(*) FROM prioritizer.access_logs
                WHERE org_id = \(orgID) AND session_id = \(sessionID) GROUP BY access_type
                """) {
                counts[try AccessType(word: try row.decode(0, as: String.self))] = try row.decode(1)
            }
            return counts
        }
    }

    public func latestRun(orgID: UUID, sessionID: UUID) async throws -> PrioritizationRunRecord? {
        try await tenant(orgID) { connection in
            try connection.query("""
                SELECT run_id, session_id, agent_id, strategy, budget, resource_budget, chosen_paths, chosen_tokens,
                       captured_importance, total_importance, candidates, duration_us,
                       (extract(epoch FROM evaluated_at) * 1000)::bigint, resource_limit
                FROM prioritizer.prioritization_runs
                WHERE org_id = \(orgID) AND session_id = \(sessionID)
                ORDER BY created_at DESC, run_id LIMIT 1
                """).first.map { row in
                PrioritizationRunRecord(
                    runID: try row.decode(0), sessionID: try row.decode(1), agentID: try row.decode(2),
                    strategy: try row.decode(3), budget: try row.decode(4), resourceBudget: try row.decode(5),
                    limit: try row.decode(13, as: Int64?.self).map { Int(clamping: $0) }, chosenPaths: try row.decode(6), chosenTokens: try row.decode(7),
                    capturedImportance: try row.decode(8), totalImportance: try row.decode(9),
                    candidates: try row.decode(10), durationMicros: try row.decode(11), evaluatedAt: try row.decode(12)
                )
            }
        }
    }

    // MARK: - Group commit

    @discardableResult
    public func commit(_ batch: WriteBatch) async throws -> CommitOutcome {
        guard !batch.isEmpty else { return CommitOutcome() }
        let plan = BatchPlan(batch: batch, model: model)
        let generation = batch.resourceFactsEpoch.map { resourceCache.entering($0) }
        let cache = generation == nil ? nil : resourceCache
        // Before and after: a period entered while this batch is in flight must not keep what it
        // learns from rows this batch is changing.
        if cache == nil { resourceCache.writingOutsideAPeriod() }
        defer { if cache == nil { resourceCache.writingOutsideAPeriod() } }
        // Concurrent batches of one organization may deadlock on the few rows both change; the
        // transaction then rolled back whole, so running it again is safe.
        var attempt = 1
        while true {
            do {
                // A retry reads every session afresh (one may have been closed meanwhile).
                let halfLives = attempt == 1 ? batch.sessionHalfLives : [:]
                // BEGIN, the role and the first organization go with the first statement; the others switched to.
                let runSessions = plan.groups.flatMap { $0.runs.map(\.sessionID) }
                let results = try await tenantUntranslated(plan.groups[0].orgID, genericPlans: true) { connection in
                    if !runSessions.isEmpty { try BatchWriter.serializeRuns(of: runSessions, on: connection) }
                    var results: [BatchWriter.GroupResult] = []
                    for (index, group) in plan.groups.enumerated() {
                        if index > 0 { try connection.switchTenant(group.orgID) }
                        // The last group's last statements carry the COMMIT (`BatchWriter.write`: the
                        // version raise, with the events' statement when no run needs its result).
                        results.append(try BatchWriter.write(
                            group, model: plan.model, cache: cache, knownHalfLives: halfLives,
                            commits: index == plan.groups.count - 1, on: connection))
                    }
                    return results
                }
                var outcome = CommitOutcome(accessCounts: Array(repeating: nil, count: batch.events.count))
                // Facts read while other nodes may change them are not kept.
                for (group, result) in zip(plan.groups, results) {
                    if let generation { resourceCache.remember(org: group.orgID, result.learned, enteredAt: generation) }
                    for (position, index) in group.eventIndices.enumerated() {
                        outcome.accessCounts[index] = result.accessCounts[position]
                    }
                    outcome.versions.merge(result.versions) { first, _ in first }
                }
                return outcome
            } catch is SessionClosedDuringCommit where attempt < 3 {
                // Rolled back whole; written again, the closed session's events are refused.
                attempt += 1
            } catch where attempt < 3 && Self.isWorthRetrying(error) {
                // Rolled back whole; written again from the rows, not the emptied cache.
                resourceCache.removeAll()
                attempt += 1
            } catch {
                // Whatever went wrong, read resource rows afresh from now on.
                resourceCache.removeAll()
                throw StoreError.translating(error)
            }
        }
    }

    /// A deadlock or serialization failure between concurrent batches of one organization, a
    /// cached resource row found gone, or a connection that broke before COMMIT ran (a pooled
    /// connection whose backend a database restart or an administrator ended while it sat idle;
    /// the pool then checks the others before lending them): running the batch again is safe and
    /// may succeed.
    private static func isWorthRetrying(_ error: any Error) -> Bool {
        if error is ResourceRowMissing { return true }
        guard let error = error as? PQError else { return false }
        if case .connectionLost(_, duringCommit: false) = error { return true }
        return error.sqlState == PQError.State.deadlockDetected || error.sqlState == PQError.State.serializationFailure
    }
}
