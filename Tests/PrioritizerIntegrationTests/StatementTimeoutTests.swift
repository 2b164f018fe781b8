import Foundation
import PrioritizerClient
import PrioritizerStore
import Testing

/// A database that accepts a statement and then does not finish it (here: a lock held by another
/// transaction) costs a bounded wait and a -TRYAGAIN, never an acknowledgement or a hung request.
@Suite("Statement timeout") struct StatementTimeoutTests {
    /// Long enough that an unblocked statement finishes within it even on a loaded CI machine
    /// (300 ms was not: a log-in there once took longer and was rightly answered -TRYAGAIN).
    static let timeout = Duration.seconds(1)

    @Test func aStatementThatHangsIsCancelledAndAnsweredTryAgain() async throws {
        try await LiveServer.with(limits: StatementLimits(statementTimeout: Self.timeout)) { live in
            // The steps around the blocked one may meet the timeout too on a machine busy with
            // other tests; -TRYAGAIN promises nothing was acknowledged, so they retry as a client would.
            let client = try await Self.retryingTryAgain { try await live.client(live.acme.token) }
            let session = try await Self.retryingTryAgain { try await client.createSession() }
            #expect(try await Self.retryingTryAgain {
                try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10)
            } == 1)

            // Another transaction holds the session row: the next commit waits on it.
            let blocker = try await live.sql()
            try await blocker.executeScript(
                "BEGIN; SELECT 1 FROM prioritizer.sessions WHERE session_id = '\(session)' FOR UPDATE")
            let started = ContinuousClock.now
            let reply = try await client.send(["TRACK", session, "a.swift", "code", "view"])
            let waited = ContinuousClock.now - started
            guard case .error(let line) = reply else { Issue.record("not an error: \(reply)"); return }
            #expect(line.hasPrefix("TRYAGAIN "), "\(line)")
            #expect(waited >= Self.timeout, "answered before the timeout: \(waited)")
            #expect(waited < Self.timeout + .seconds(5), "answered after \(waited)")

            try await blocker.executeScript("ROLLBACK")
            await blocker.close()
            // Nothing of the cancelled commit was kept: counting goes on from the one acknowledged TRACK.
            #expect(try await Self.retryingTryAgain {
                try await client.track(session: session, path: "a.swift", type: .code, access: .view)
            } == 2)
            #expect(try await Self.retryingTryAgain { try await client.sessionGet(session) }.accesses == 2)
            print("statement timeout \(Self.timeout): a commit blocked by a lock answered TRYAGAIN after \(waited)")
            try await client.close()
        }
    }

    private static func retryingTryAgain<T>(_ body: () async throws -> T) async throws -> T {
        for _ in 1..<20 {
            do {
                return try await body()
            } catch PrioritizerClientError.server(code: "TRYAGAIN", _) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return try await body()
    }
}
