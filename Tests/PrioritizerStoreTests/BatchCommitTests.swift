import Foundation
import PQ
import Prioritization
import PrioritizerStore
import Testing
import TestSupport

@Suite("Group commit through ResourceService") struct BatchCommitTests {
    @Test func aMixedBatchPersistsExactly() async throws {
        try await ServiceFixture.with { fixture in
            let one = try await fixture.newSession(label: "one")
            let two = try await fixture.newSession(label: "two")
            let t0: Int64 = 1_700_000_000_000
            var batch = WriteBatch()
            batch.events = [
                fixture.event(one, "src/a.swift", .view, at: t0, tokens: 100, size: 400),
                fixture.event(one, "src/a.swift", .edit, at: t0 + 60_000, modified: true, tokens: 120),
                fixture.event(one, "src/a.swift", .view, at: t0 + 30_000),  // out of order, same row
                fixture.event(one, "README.md", .reference, at: t0 + 1_000, type: .documentation, size: 4_000),
                fixture.event(two, "src/a.swift", .execute, at: t0 + 5_000),
            ]
            try await fixture.service.commit(batch)

            let rows = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: one.sessionID)
            #expect(rows.map(\.path) == ["README.md", "src/a.swift"])
            let a = try #require(rows.first { $0.path == "src/a.swift" })
            #expect(a.accessCount == 3)
            #expect(a.modified)
            #expect(a.tokenCount == 120)  // the latest event's count
            #expect(a.sizeBytes == 400)
            #expect(a.firstAccessAt == t0 && a.lastAccessAt == t0 + 60_000)
            var expected = DecayedScore.zero
            let model = ImportanceModel.standard
            for (access, at) in [(AccessType.view, t0), (.edit, t0 + 60_000), (.view, t0 + 30_000)] {
                expected.add(model.weight(for: access), at: at, halfLifeMilliseconds: 1_800_000)
            }
            #expect(a.score.at == expected.at)
            #expect(abs(a.score.score - expected.score) < 1e-9)

            let counts = try await fixture.service.accessTypeCounts(orgID: fixture.org.orgID, sessionID: one.sessionID)
            #expect(counts == [.view: 2, .edit: 1, .reference: 1])
            let record = try #require(try await fixture.service.session(orgID: fixture.org.orgID, sessionID: one.sessionID))
            #expect(record.resources == 2 && record.accesses == 4)
            let other = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: two.sessionID)
            #expect(other.map(\.accessCount) == [1])

            let connection = try await fixture.database.connect()
            let totals = try await connection.query("""
                SELECT (SELECT count(*) FROM prioritizer.access_logs), (SELECT count(*) FROM prioritizer.resources),
                       (SELECT count(*) FROM prioritizer.session_resources)
                """)[0]
            #expect(try totals.decode(0, as: Int.self) == 5)
            #expect(try totals.decode(1, as: Int.self) == 2)
            #expect(try totals.decode(2, as: Int.self) == 3)
            // access_logs has no foreign keys (see migrations/0001): the writer keeps the rows whole.
            let orphans = try await connection.query("""
                SELECT count(*) FROM prioritizer.access_logs l
                WHERE NOT EXISTS (SELECT 1 FROM prioritizer.session_resources sr
                                  WHERE sr.org_id = l.org_id AND sr.session_id = l.session_id
                                    AND sr.resource_id = l.resource_id)
                   OR NOT EXISTS (SELECT 1 FROM prioritizer.agents a WHERE a.org_id = l.org_id AND a.agent_id = l.agent_id)
                """)[0].decode(0, as: Int.self)
            #expect(orphans == 0)
            // Nor do session_resources and resources (migrations/0006): every row joins its parents.
            let orphanRows = try await connection.query("""
                SELECT (SELECT count(*) FROM prioritizer.session_resources sr
                        WHERE NOT EXISTS (SELECT 1 FROM prioritizer.sessions s
                                          WHERE s.org_id = sr.org_id AND s.session_id = sr.session_id)
                           OR NOT EXISTS (SELECT 1 FROM prioritizer.resources r
                                          WHERE r.org_id = sr.org_id AND r.resource_id = sr.resource_id)),
                       (SELECT count(*) FROM prioritizer.resources r
                        WHERE NOT EXISTS (SELECT 1 FROM prioritizer.organizations o WHERE o.org_id = r.org_id))
                """)[0]
            #expect(try orphanRows.decode(0, as: Int.self) == 0)
            #expect(try orphanRows.decode(1, as: Int.self) == 0)
        }
    }

    @Test func laterBatchesMergeIntoStoredScoresAsOneBatchWould() async throws {
        try await ServiceFixture.with { fixture in
            let split = try await fixture.newSession()
            let whole = try await fixture.newSession()
            let t0: Int64 = 1_700_000_000_000
            let accesses: [(AccessType, Int64)] = (0..<40).map { index in
                ([AccessType.view, .edit, .execute, .reference][index % 4], t0 + Int64((index * 7_919) % 3_600_000))
            }
            var all = WriteBatch()
            all.events = accesses.map { fixture.event(whole, "f.swift", $0.0, at: $0.1) }
            try await fixture.service.commit(all)
            for chunk in stride(from: 0, to: accesses.count, by: 7) {
                var part = WriteBatch()
                part.events = accesses[chunk..<min(chunk + 7, accesses.count)].map { fixture.event(split, "f.swift", $0.0, at: $0.1) }
                try await fixture.service.commit(part)
            }
            let a = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: split.sessionID)[0]
            let b = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: whole.sessionID)[0]
            #expect(a.accessCount == 40 && b.accessCount == 40)
            #expect(a.score.at == b.score.at)
            #expect(abs(a.score.score - b.score.score) <= 1e-9 * b.score.score)
        }
    }

    /// One batch holding sessions of different half-lives merges each stored score with its own
    /// session's half-life, whether the batch carries the half-lives or reads them.
    @Test func sessionsOfDifferentHalfLivesMergeEachWithItsOwn() async throws {
        try await ServiceFixture.with { fixture in
            let fast = try await fixture.newSession(halfLifeSeconds: 60)
            let slow = try await fixture.newSession(halfLifeSeconds: 3_600)
            let t0: Int64 = 1_700_000_000_000
            let accesses: [(AccessType, Int64)] = (0..<12).map { index in
                ([AccessType.view, .edit, .execute, .reference][index % 4], t0 + Int64((index * 37_117) % 900_000))
            }
            for (number, chunk) in stride(from: 0, to: accesses.count, by: 4).enumerated() {
                var batch = WriteBatch()
                for (access, at) in accesses[chunk..<chunk + 4] {
                    batch.events.append(fixture.event(fast, "f.swift", access, at: at))
                    batch.events.append(fixture.event(slow, "f.swift", access, at: at))
                }
                if number % 2 == 1 {
                    batch.sessionHalfLives = [fast.sessionID: fast.halfLifeSeconds, slow.sessionID: slow.halfLifeSeconds]
                }
                try await fixture.service.commit(batch)
            }
            let model = ImportanceModel.standard
            for session in [fast, slow] {
                var expected = DecayedScore.zero
                for (access, at) in accesses {
                    expected.add(model.weight(for: access), at: at, halfLifeMilliseconds: session.halfLifeSeconds * 1000)
                }
                let row = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: session.sessionID)[0]
                #expect(row.accessCount == 12)
                #expect(row.score.at == expected.at)
                #expect(abs(row.score.score - expected.score) <= 1e-9 * expected.score, "half-life \(session.halfLifeSeconds) s")
            }
        }
    }

    /// Runs of one session queued behind each other commit together: the last written is the
    /// session's latest, for a reload and for `session_metrics.last_strategy`. Before, all had the
    /// transaction's `now()` and the tie went to the random run id (half the time the earlier).
    @Test func theLatestOfSeveralRunsInOneCommitIsTheLastWritten() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            var events = WriteBatch()
            events.events = ["a", "b"].map { fixture.event(session, $0, at: 1_000, tokens: 10) }
            try await fixture.service.commit(events)
            func run(_ chosen: String, _ strategy: String) -> TenantItem<PrioritizationRunRecord> {
                TenantItem(orgID: fixture.org.orgID, PrioritizationRunRecord(
                    sessionID: session.sessionID, agentID: fixture.admin.agent.agentID, strategy: strategy, budget: 10,
                    resourceBudget: 10, chosenPaths: [chosen], chosenTokens: 10, capturedImportance: 1,
                    totalImportance: 2, candidates: 2, durationMicros: 5, evaluatedAt: 1_000))
            }
            let connection = try await fixture.database.connect()
            for round in 0..<10 {
                let (first, last) = round % 2 == 0 ? (("a", "greedy"), ("b", "optimal")) : (("b", "optimal"), ("a", "greedy"))
                var batch = WriteBatch()
                batch.runs = [run(first.0, first.1), run(last.0, last.1)]
                try await fixture.service.commit(batch)
                let latest = try #require(try await fixture.service.latestRun(orgID: fixture.org.orgID, sessionID: session.sessionID))
                #expect(latest.chosenPaths == [last.0], "round \(round)")
                let strategy = try await connection.query(
                    "SELECT last_strategy FROM prioritizer.session_metrics WHERE session_id = \(session.sessionID)")[0]
                    .decode(0, as: String.self)
                #expect(strategy == last.1, "round \(round)")
            }
        }
    }

    /// Token counts of up to 2^53 each (the protocol's bound): `session_metrics` saturates its
    /// sums at the bigint maximum. Before, the query failed with "bigint out of range".
    @Test func sessionMetricsTokenSumsSaturate() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            var batch = WriteBatch()
            batch.events = (0..<1_100).map { fixture.event(session, "p\($0)", at: 1_000, tokens: 1 << 53) }
            try await fixture.service.commit(batch)
            let connection = try await fixture.database.connect()
            let tracked = try await connection.query(
                "SELECT tracked_tokens FROM prioritizer.session_metrics WHERE session_id = \(session.sessionID)")[0]
                .decode(0, as: Int64.self)
            #expect(tracked == Int64.max)
        }
    }

    @Test func runsMarkExactlyTheChosenResourcesInTheirSessionOnly() async throws {
        try await ServiceFixture.with { fixture in
            let one = try await fixture.newSession()
            let two = try await fixture.newSession()
            let t0: Int64 = 1_700_000_000_000
            var batch = WriteBatch()
            for path in ["a", "b", "c"] {
                batch.events.append(fixture.event(one, path, at: t0, tokens: 10))
                batch.events.append(fixture.event(two, path, at: t0, tokens: 10))
            }
            try await fixture.service.commit(batch)
            func run(_ session: SessionRecord, _ chosen: [String]) -> TenantItem<PrioritizationRunRecord> {
                TenantItem(orgID: fixture.org.orgID, PrioritizationRunRecord(
                    sessionID: session.sessionID, agentID: fixture.admin.agent.agentID, strategy: "optimal", budget: 100,
                    resourceBudget: 100, chosenPaths: chosen, chosenTokens: chosen.count * 10, capturedImportance: 2,
                    totalImportance: 3, candidates: 3, durationMicros: 12, evaluatedAt: t0))
            }
            var first = WriteBatch()
            first.runs = [run(one, ["a", "b"]), run(two, ["c"])]
            try await fixture.service.commit(first)
            var second = WriteBatch()
            second.runs = [run(one, ["b", "c"])]
            try await fixture.service.commit(second)

            let included = { (session: SessionRecord) in
                try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: session.sessionID)
                    .filter(\.includedInContext).map(\.path)
            }
            #expect(try await included(one) == ["b", "c"])
            #expect(try await included(two) == ["c"])
            let latest = try #require(try await fixture.service.latestRun(orgID: fixture.org.orgID, sessionID: one.sessionID))
            #expect(latest.chosenPaths == ["b", "c"])

            // Chosen resources the session never touched (one of its organization, one unknown)
            // mark nothing, in it or in another session; what it had included is cleared.
            var onlyInTwo = WriteBatch()
            onlyInTwo.events = [fixture.event(two, "d", at: t0, tokens: 10)]
            try await fixture.service.commit(onlyInTwo)
            var third = WriteBatch()
            third.runs = [run(one, ["d", "never-tracked"])]
            try await fixture.service.commit(third)
            #expect(try await included(one) == [])
            #expect(try await included(two) == ["c"])
            #expect(try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: one.sessionID).count == 3)
        }
    }

    /// Runs of one session committed concurrently (as by several nodes) must leave exactly one
    /// run's choice included, never a mix of two: each run's flags are written after the
    /// previous run of the session committed.
    @Test func concurrentRunsOfOneSessionLeaveExactlyOneChoiceIncluded() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            let t0: Int64 = 1_700_000_000_000
            let paths = (0..<120).map { "src/file\($0).swift" }
            var tracked = WriteBatch()
            tracked.events = paths.map { fixture.event(session, $0, at: t0, tokens: 10) }
            try await fixture.service.commit(tracked)
            var generator = SystemRandomNumberGenerator()
            for round in 0..<6 {
                let choices = (0..<12).map { _ in Set(paths.filter { _ in Bool.random(using: &generator) }) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for chosen in choices {
                        group.addTask {
                            var batch = WriteBatch()
                            batch.runs = [TenantItem(orgID: fixture.org.orgID, PrioritizationRunRecord(
                                sessionID: session.sessionID, agentID: fixture.admin.agent.agentID, strategy: "greedy",
                                budget: 1000, resourceBudget: 1000, chosenPaths: chosen.sorted(),
                                chosenTokens: chosen.count * 10, capturedImportance: 1, totalImportance: 2,
                                candidates: paths.count, durationMicros: 1, evaluatedAt: t0))]
                            try await fixture.service.commit(batch)
                        }
                    }
                    try await group.waitForAll()
                }
                let included = Set(try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: session.sessionID)
                    .filter(\.includedInContext).map(\.path))
                let isOneChoice = choices.contains(included)
                #expect(isOneChoice, "round \(round): \(included.count) included, not one run's choice")
            }
        }
    }

    @Test func aBatchNamingAnUnknownSessionFailsWhole() async throws {
        try await ServiceFixture.with { fixture in
            let real = try await fixture.newSession()
            var ghost = real
            ghost.sessionID = UUID()
            var batch = WriteBatch()
            batch.events = [fixture.event(real, "a", at: 1), fixture.event(ghost, "b", at: 2)]
            await #expect(throws: StoreError.self) { try await fixture.service.commit(batch) }
            let rows = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: real.sessionID)
            #expect(rows.isEmpty)
        }
    }

    @Test func childSessionsStartFromTheirParent() async throws {
        try await ServiceFixture.with { fixture in
            let parent = try await fixture.newSession()
            var batch = WriteBatch()
            batch.events = [fixture.event(parent, "a", .edit, at: 1_000, modified: true, tokens: 5)]
            try await fixture.service.commit(batch)
            let child = try await fixture.service.createSession(orgID: fixture.org.orgID, NewSession(
                agentID: fixture.admin.agent.agentID, parentSessionID: parent.sessionID))
            #expect(child.parentSessionID == parent.sessionID)
            let rows = try await fixture.service.sessionResources(orgID: fixture.org.orgID, sessionID: child.sessionID)
            #expect(rows.count == 1 && rows[0].accessCount == 1 && rows[0].modified && rows[0].tokenCount == 5)
        }
    }

    @Test func sqlImportanceEqualsTheServersModel() async throws {
        try await ServiceFixture.with { fixture in
            let connection = try await fixture.database.connect()
            let model = ImportanceModel.standard
            let cases: [(score: Double, at: Int64, modified: Bool, halfLife: Double, now: Int64)] = [
                (3, 1_700_000_000_000, false, 1800, 1_700_000_000_000),
                (3, 1_700_000_000_000, true, 1800, 1_700_000_900_000),
                (5.5, 1_700_000_000_000, false, 60, 1_700_003_600_000),
                (1, 0, true, 1800, 1_700_000_000_000),  // decades old: the bonus alone, no underflow
                (0.5, 1_700_000_000_000, false, 86_400, 1_700_000_000_001),
            ]
            for item in cases {
                let sql = try await connection.query("""
                    SELECT prioritizer.importance(\(item.score), to_timestamp(\(item.at)::float8 / 1000), \(item.modified),
                                                  \(item.halfLife), to_timestamp(\(item.now)::float8 / 1000))
                    """)[0].decode(0, as: Double.self)
                let swift = DecayedScore(score: item.score, at: item.at)
                    .value(at: item.now, halfLifeMilliseconds: item.halfLife * 1000) + (item.modified ? model.modifiedBonus : 0)
                #expect(abs(sql - swift) <= 1e-9 * max(1, swift), "case \(item)")
            }
        }
    }

    /// New resources get time-ordered ids (UUID version 7, migrations/0010): a later batch's ids
    /// sort after an earlier one's, and each carries the time it was created.
    @Test func resourceIdsAreVersionSevenAndGrowWithTime() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            var first = WriteBatch()
            first.events = (0..<50).map { fixture.event(session, "early/\($0).swift", at: 1) }
            try await fixture.service.commit(first)
            // The next millisecond at least, so that every later id sorts after every earlier one.
            try await Task.sleep(for: .milliseconds(2))
            var second = WriteBatch()
            second.events = (0..<50).map { fixture.event(session, "late/\($0).swift", at: 2) }
            try await fixture.service.commit(second)
            let after = Int64(Date().timeIntervalSince1970 * 1000)

            let connection = try await fixture.database.connect()
            let rows = try await connection.query("""
                SELECT path, resource_id::text, substring(resource_id::text, 15, 1),
                       ('x' || lpad(replace(left(resource_id::text, 13), '-', ''), 16, '0'))::bit(64)::bigint
                FROM prioritizer.resources ORDER BY resource_id
                """)
            #expect(rows.count == 100)
            let paths = try rows.map { try $0.decode(0, as: String.self) }
            #expect(paths.prefix(50).allSatisfy { $0.hasPrefix("early/") }, "ids of the earlier batch sort first")
            #expect(paths.suffix(50).allSatisfy { $0.hasPrefix("late/") })
            for row in rows {
                let id = try row.decode(1, as: String.self)
                #expect(try row.decode(2, as: String.self) == "7", "version nibble of \(id)")
                let millis = try row.decode(3, as: Int64.self)
                #expect(millis >= before - 1000 && millis <= after + 1000, "creation time in the id")
            }
            let distinct = try await connection.query(
                "SELECT count(DISTINCT resource_id) FROM prioritizer.resources")[0].decode(0, as: Int.self)
            #expect(distinct == 100)
        }
    }

    /// A database restart (here: every backend of the service ended) leaves the pool's idle
    /// connections dead. The next commit's flight is refused before it runs, so the commit is
    /// written again on a fresh connection instead of failing its requests.
    @Test func aCommitOnConnectionsEndedWhileIdleIsWrittenOnAFreshOne() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            var first = WriteBatch()
            first.events = [fixture.event(session, "a.swift", at: 1), fixture.event(session, "b.swift", at: 2)]
            try await fixture.service.commit(first)

            let killer = try await fixture.database.connect()
            #expect(try await endOtherBackends(from: killer) >= 1, "the service's pooled connections were ended")

            // Known paths and half-life, as the server sends them: the whole transaction, COMMIT
            // included, is one flight, which the ended backend answers with its termination notice.
            var second = WriteBatch()
            second.events = [fixture.event(session, "a.swift", .edit, at: 3), fixture.event(session, "b.swift", at: 4)]
            second.sessionHalfLives = [session.sessionID: 1800]
            let outcome = try await fixture.service.commit(second)
            #expect(outcome.accessCounts == [2, 2])
            let logged = try await killer.query("""
                SELECT r.path, count(*) FROM prioritizer.access_logs l
                JOIN prioritizer.resources r USING (org_id, resource_id) GROUP BY r.path ORDER BY r.path
                """).map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
            #expect(logged == ["a.swift=2", "b.swift=2"], "each event written once")

            // Reads and other transactions are run again on a fresh connection the same way.
            #expect(try await endOtherBackends(from: killer) >= 1)
            #expect(try await fixture.service.agentsRevoked(since: .distantPast).isEmpty)
            #expect(try await endOtherBackends(from: killer) >= 1)
            _ = try await fixture.newSession(label: "after the restart")
        }
    }

    /// Ends every other client backend of the test database, as a restart would, waiting for
    /// each to exit; how many were ended.
    private func endOtherBackends(from killer: PQConnection) async throws -> Int {
        try await killer.query("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, \(5_000)::bigint)) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """)[0].decode(0, as: Int.self)
    }

    /// Later batches read resource facts from the writer's cache: changes must still reach the row.
    @Test func resourceFactsChangedInLaterBatchesAreWritten() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            func commit(_ event: TenantItem<TrackedAccess>) async throws {
                var batch = WriteBatch()
                batch.events = [event]
                try await fixture.service.commit(batch)
            }
            let connection = try await fixture.database.connect()
            func stored() async throws -> (String, Int?, Int?) {
                let row = try await connection.query(
                    "SELECT type, token_count, size_bytes FROM prioritizer.resources WHERE path = 'r.md'")[0]
                return (try row.decode(0), try row.decode(1), try row.decode(2))
            }
            try await commit(fixture.event(session, "r.md", at: 1, type: .documentation, tokens: 100, size: 400))
            try await commit(fixture.event(session, "r.md", at: 2, type: .documentation))
            #expect(try await stored() == ("DOCUMENTATION", 100, 400))
            try await commit(fixture.event(session, "r.md", at: 3, type: .documentation, tokens: 200))
            #expect(try await stored() == ("DOCUMENTATION", 200, 400))
            try await commit(fixture.event(session, "r.md", at: 4, type: .research, size: 900))
            #expect(try await stored() == ("RESEARCH", 200, 900))
            // A cached row deleted behind the writer's back is noticed by the commit relying on it,
            // which is written again from the rows: the resource is inserted anew, nothing orphaned.
            try await connection.execute("DELETE FROM prioritizer.access_logs")
            try await connection.execute("DELETE FROM prioritizer.session_resources")
            try await connection.execute("DELETE FROM prioritizer.resources")
            try await commit(fixture.event(session, "r.md", at: 5, type: .research))
            #expect(try await stored() == ("RESEARCH", nil, nil))
            try await commit(fixture.event(session, "r.md", at: 6, type: .research, tokens: 7))
            #expect(try await stored() == ("RESEARCH", 7, nil))
            let joined = try await connection.query("""
                SELECT count(*) FROM prioritizer.session_resources sr
                JOIN prioritizer.resources r USING (org_id, resource_id) WHERE r.path = 'r.md'
                """)[0].decode(0, as: Int.self)
            #expect(joined == 1)
            #expect(try await connection.query("SELECT count(*) FROM prioritizer.session_resources")[0].decode(0, as: Int.self) == 1)
        }
    }
    /// A batch written while other nodes may write (no period of being alone) does not use the
    /// cache, yet changes the rows: the period it interrupted, taken up again, must not count on
    /// facts cached before it. Here the same period resumes (a lease that lapsed between prompt
    /// heartbeats, with no one else live), and the third batch's 5 tokens were skipped as already
    /// stored, leaving the second's 9, before the cache learned to start over after such a batch.
    @Test func factsWrittenOutsideAnAlonePeriodAreNotCountedOnWhenItResumes() async throws {
        try await ServiceFixture.with { fixture in
            let session = try await fixture.newSession()
            func commit(at time: Int64, tokens: Int, alonePeriod: Int?) async throws {
                var batch = WriteBatch()
                batch.events = [fixture.event(session, "p.swift", at: time, type: .code, tokens: tokens)]
                batch.resourceFactsEpoch = alonePeriod
                try await fixture.service.commit(batch)
            }
            try await commit(at: 1, tokens: 5, alonePeriod: 1)
            try await commit(at: 2, tokens: 9, alonePeriod: nil)
            try await commit(at: 3, tokens: 5, alonePeriod: 1)
            let connection = try await fixture.database.connect()
            let stored = try await connection.query(
                "SELECT token_count FROM prioritizer.resources WHERE path = 'p.swift'")[0].decode(0, as: Int.self)
            #expect(stored == 5)
        }
    }
}
