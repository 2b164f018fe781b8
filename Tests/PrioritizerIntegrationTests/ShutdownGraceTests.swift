import Foundation
import PQ
import PrioritizerClient
@testable import PrioritizerStore
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM answers every request already received (SPEC), as long as `--shutdown-grace-ms`
/// allows: by default the statement timeout plus 5 s, so that a commit stalled on the database
/// is answered -TRYAGAIN before the connection closes. Before, the grace was a fixed 10 s, and a
/// commit stalled longer (the statement timeout is 30 s) lost its reply.
extension FaultTests {
    @Suite("Shutdown grace") struct ShutdownGraceTests {
        /// A TRACK whose commit waits on a row lock held by `blocker`, sent before SIGTERM; how
        /// its reply came, and after how long.
        private static func trackStalledAtShutdown(
            serveArguments: [String]
        ) async throws -> (reply: Result<RESPReply, any Error>, waited: Duration) {
            try await withTestDatabase { database in
                let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
                let (_, acme) = try await store.createOrganization(name: "acme")
                await store.pool.close()
                let server = try await ServerProcess.start(conninfo: database.conninfo, arguments: serveArguments)
                let client = try await PrioritizerClient.connect(host: "127.0.0.1", port: server.port, token: acme.token)
                let session = try await client.createSession()
                #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view) == 1)

                let blocker = try await PQConnection.connect(database.conninfo)
                try await blocker.executeScript(
                    "BEGIN; SELECT 1 FROM prioritizer.sessions WHERE session_id = '\(session)' FOR UPDATE")
                let started = ContinuousClock.now
                let stalled = Task { try await client.send(["TRACK", session, "a.swift", "code", "view"]) }
                // SIGTERM once the TRACK's commit waits on the lock: sent before the server read
                // the TRACK, it would stop reading first, and the TRACK would not be received.
                let watcher = try await PQConnection.connect(database.conninfo)
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    let waiting = try await watcher.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                    if try waiting[0].decode(0, as: Int.self) > 0 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                await watcher.close()
                server.program.signal(SIGTERM)
                let reply = await stalled.result
                let waited = ContinuousClock.now - started
                try await blocker.executeScript("ROLLBACK")
                await blocker.close()
                await server.stop()
                return (reply, waited)
            }
        }

        /// The statement timeout (11 s) outlasts the former fixed grace (10 s).
        @Test func aCommitStalledAtShutdownIsAnsweredTryAgainByDefault() async throws {
            let (reply, waited) = try await Self.trackStalledAtShutdown(serveArguments: ["--statement-timeout-ms", "11000"])
            guard case .success(.error(let line)) = reply else {
                Issue.record("no -TRYAGAIN after \(waited): \(reply)")
                return
            }
            #expect(line.hasPrefix("TRYAGAIN "), "\(line)")
            #expect(waited >= .seconds(11))
        }

        @Test func pastTheGraceTheConnectionIsClosedWithoutItsReply() async throws {
            let (reply, waited) = try await Self.trackStalledAtShutdown(
                serveArguments: ["--statement-timeout-ms", "5000", "--shutdown-grace-ms", "500"])
            if case .success(let answered) = reply { Issue.record("answered \(answered) after \(waited)") }
            #expect(waited < .seconds(4), "closed after \(waited)")
        }
    }
}
