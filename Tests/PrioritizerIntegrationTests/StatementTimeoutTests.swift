import Foundation
import PrioritizerClient
import PrioritizerStore
import Testing

/// A database that accepts a statement and then does not finish it (here: a lock held by another
/// transaction) costs a bounded wait and a -TRYAGAIN, never an acknowledgement or a hung request.
@Suite("Statement timeout") struct StatementTimeoutTests {
    @Test func aStatementThatHangsIsCancelledAndAnsweredTryAgain() async throws {
        try await LiveServer.with(limits: StatementLimits(statementTimeout: .milliseconds(300))) { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10) == 1)

            // Another transaction holds the session row: the next commit waits on it.
            let blocker = try await live.sql()
            try await blocker.executeScript(
                "BEGIN; SELECT 1 FROM prioritizer.sessions WHERE session_id = '\(session)' FOR UPDATE")
            let started = ContinuousClock.now
            let reply = try await client.send(["TRACK", session, "a.swift", "code", "view"])
            let waited = ContinuousClock.now - started
            guard case .error(let line) = reply else { Issue.record("not an error: \(reply)"); return }
            #expect(line.hasPrefix("TRYAGAIN "), "\(line)")
            #expect(waited < .seconds(3), "answered after \(waited)")

            try await blocker.executeScript("ROLLBACK")
            await blocker.close()
            // Nothing of the cancelled commit was kept: counting goes on from the one acknowledged TRACK.
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view) == 2)
            #expect(try await client.sessionGet(session).accesses == 2)
            print("statement timeout 300 ms: a commit blocked by a lock answered TRYAGAIN after \(waited)")
            try await client.close()
        }
    }
}
