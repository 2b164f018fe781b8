import Foundation
import PQ
import Prioritization
import PrioritizerStore
import Testing
import TestSupport

/// What a commit reports back: per-event counts in commit order and session versions (issue 8).
@Suite("Commit outcomes: counts, versions, closed sessions") struct CommitOutcomeTests {
    @Test func countsFollowEachEventAndVersionsStepByTheWritesOfTheCommit() async throws {
        try await ServiceFixture.with { fixture in
            let one = try await fixture.newSession(label: "one")
            let two = try await fixture.newSession(label: "two")
            let t0: Int64 = 1_700_000_000_000
            var first = WriteBatch()
            first.events = [
                fixture.event(one, "a", at: t0), fixture.event(two, "a", at: t0), fixture.event(one, "a", at: t0 + 1),
                fixture.event(one, "b", at: t0 + 2), fixture.event(one, "a", at: t0 + 3),
            ]
            let outcome = try await fixture.service.commit(first)
            #expect(outcome.accessCounts == [1, 1, 2, 1, 3])
            #expect(outcome.versions[one.sessionID] == SessionVersionStep(before: 0, after: 4))
            #expect(outcome.versions[two.sessionID] == SessionVersionStep(before: 0, after: 1))

            // A second commit continues from the rows, whoever wrote them; given half-lives skip the read.
            var second = WriteBatch()
            second.events = [fixture.event(one, "a", at: t0 + 4), fixture.event(one, "b", at: t0 + 5)]
            second.sessionHalfLives = [one.sessionID: one.halfLifeSeconds]
            let next = try await fixture.service.commit(second)
            #expect(next.accessCounts == [4, 2])
            #expect(next.versions[one.sessionID] == SessionVersionStep(before: 4, after: 6))

            let stored = try await fixture.service.sessionVersion(orgID: fixture.org.orgID, sessionID: one.sessionID)
            #expect(stored == SessionVersion(version: 6, isClosed: false))
            #expect(try await fixture.service.session(orgID: fixture.org.orgID, sessionID: one.sessionID)?.version == 6)
        }
    }

    @Test func eventsOfAClosedSessionAreRefusedAndTheRestWritten() async throws {
        try await ServiceFixture.with { fixture in
            let open = try await fixture.newSession(label: "open")
            let closed = try await fixture.newSession(label: "closed")
            #expect(try await fixture.service.closeSession(orgID: fixture.org.orgID, sessionID: closed.sessionID))
            let t0: Int64 = 1_700_000_000_000
            // Once with the closed session read by the commit, once taken as open from known
            // half-lives (the commit's last statement finds it closed and starts again).
            for known in [false, true] {
                var batch = WriteBatch()
                batch.events = [fixture.event(open, "x", at: t0), fixture.event(closed, "x", at: t0), fixture.event(open, "y", at: t0)]
                if known {
                    batch.sessionHalfLives = [open.sessionID: open.halfLifeSeconds, closed.sessionID: closed.halfLifeSeconds]
                }
                let outcome = try await fixture.service.commit(batch)
                #expect(outcome.accessCounts == (known ? [2, nil, 2] : [1, nil, 1]), "known half-lives: \(known)")
                #expect(outcome.versions[closed.sessionID] == nil)
            }
            let connection = try await fixture.database.connect()
            let logs = try await connection.query("""
                SELECT count(*) FILTER (WHERE session_id = \(closed.sessionID)), count(*) FROM prioritizer.access_logs
                """)[0]
            #expect(try logs.decode(0, as: Int.self) == 0)
            #expect(try logs.decode(1, as: Int.self) == 4)
            // Closing raised the version once; refused events did not.
            #expect(try await fixture.service.sessionVersion(orgID: fixture.org.orgID, sessionID: closed.sessionID)
                == SessionVersion(version: 1, isClosed: true))
            await connection.close()
        }
    }

    @Test func nodesHeartbeatSeeEachOtherAndLeave() async throws {
        try await ServiceFixture.with { fixture in
            let a = NodeRegistration(address: "a:1"), b = NodeRegistration(address: "b:1")
            // A liveness window no loaded machine outlasts between two of these statements (with
            // 3 s, stop 30's CI saw A lapse before it was counted behind).
            func beat(_ node: NodeRegistration, since: Date? = nil) async throws -> NodeHeartbeat {
                try await fixture.service.heartbeat(node, liveness: .seconds(60), othersSince: since)
            }
            let first = try await beat(a)
            #expect(first.registered && first.otherLiveNodes == 0)
            let second = try await beat(b)
            #expect(second.registered && second.otherLiveNodes == 1)
            // A has not heartbeated since B's registration committed; after its next heartbeat it has.
            let mark = try await beat(b).databaseNow
            #expect(try await beat(b, since: mark).othersBehind == 1)
            let again = try await beat(a)
            #expect(!again.registered && again.otherLiveNodes == 1)
            #expect(try await beat(b, since: mark).othersBehind == 0)
            try await fixture.service.removeNode(b.nodeID)
            #expect(try await beat(a).otherLiveNodes == 0)
        }
    }
}
