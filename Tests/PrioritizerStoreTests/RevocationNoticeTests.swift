import Foundation
import PQ
import PrioritizerStore
import Testing
import TestSupport

/// Any login may NOTIFY the revocation channel, analysts included; only a revocation counts.
@Suite("Revocation notices") struct RevocationNoticeTests {
    private final class Count: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var current: Int { lock.withLock { value } }
    }

    /// Before migrations/0018 every notice, sent by anyone, made every node forget the logins it
    /// had checked, so each connection's next request checked its token in the database again.
    @Test func aNoticeWithoutARevocationIsIgnoredAndARevocationIsHeard() async throws {
        try await ServiceFixture.with { fixture in
            let heard = Count()
            let watch = Task { await fixture.service.watchRevocations { heard.add() } }
            defer { watch.cancel() }
            try await eventually { heard.current == 1 }  // the watch's start: what it may have missed

            let analyst = try await fixture.newAnalyst()
            for _ in 0..<5 {
                try await analyst.executeScript("NOTIFY prioritizer_agent_revoked")
                try await Task.sleep(for: .milliseconds(100))
            }
            await analyst.close()
            // Each notice is read within a wait of 250 ms; give them twice that, and more.
            try await Task.sleep(for: .seconds(1))
            #expect(heard.current == 1, "notices without a revocation were acted on")

            _ = try await fixture.service.createAgent(orgID: fixture.org.orgID, name: "bot", role: .agent)
            #expect(try await fixture.service.revokeAgent(orgID: fixture.org.orgID, name: "bot"))
            try await eventually { heard.current == 2 }
        }
    }

    /// The function that counts revocations runs as its owner; no one else may execute it. An
    /// analyst who could would put it on a trigger of a temporary table of its own, raise the
    /// count at will, and keep the count's row locked so that every revocation waited.
    @Test func analystsCannotRunTheRevocationCount() async throws {
        try await ServiceFixture.with { fixture in
            let analyst = try await fixture.newAnalyst()
            try await analyst.executeScript("BEGIN READ WRITE; CREATE TEMP TABLE mine (x int)")
            await #expect(throws: PQError.self) {
                try await analyst.executeScript(
                    "CREATE TRIGGER bump AFTER INSERT ON mine FOR EACH ROW EXECUTE FUNCTION prioritizer.notify_agent_revoked()")
            }
            try await analyst.executeScript("ROLLBACK")
            await analyst.close()
            let connection = try await fixture.database.connect()
            #expect(try await connection.query("SELECT epoch FROM prioritizer.revocation_epoch")[0].decode(0, as: Int64.self) == 0)
            // The server still counts revocations.
            _ = try await fixture.service.createAgent(orgID: fixture.org.orgID, name: "bot", role: .agent)
            #expect(try await fixture.service.revokeAgent(orgID: fixture.org.orgID, name: "bot"))
            #expect(try await connection.query("SELECT epoch FROM prioritizer.revocation_epoch")[0].decode(0, as: Int64.self) == 1)
            await connection.close()
        }
    }

    /// Waits up to 10 s for `condition`.
    private func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("condition not met within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
