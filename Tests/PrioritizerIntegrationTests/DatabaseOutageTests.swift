import Foundation
import PQ
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing

extension FaultTests {
    /// PostgreSQL stopped for several seconds under load, then started again: the server stays up,
    /// answers everything at once with -TRYAGAIN meanwhile, serves again within 2 s of the database's
    /// return, and loses nothing it acknowledged. The cluster is a private one made for this test:
    /// the suite's shared cluster is never stopped.
    @Suite("Database outage") struct DatabaseOutageTests {
        /// A fresh private cluster in a temporary folder, removed afterwards.
        static func withPrivateCluster<T>(_ body: (EmbeddedPostgres) async throws -> T) async throws -> T {
            let folder = URL(fileURLWithPath: "/tmp/prioritizer-outage-\(UUID().uuidString.prefix(8))")
            let bin = ProcessInfo.processInfo.environment["PRIORITIZER_TEST_PG_BINDIR"].map { URL(fileURLWithPath: $0) }
            let cluster = try EmbeddedPostgres(dataDirectory: folder, binDirectory: bin)
            defer {
                try? cluster.stop()
                try? FileManager.default.removeItem(at: cluster.clusterDirectory)
                try? FileManager.default.removeItem(at: folder)
            }
            try await cluster.start()
            let connection = try await PQConnection.connect(cluster.conninfo)
            try await Migrator().migrate(connection)
            await connection.close()
            return try await body(cluster)
        }

        /// A TRACK on a raw connection, timed on the calling thread: the error code, or nil when acknowledged.
        static func timedTrack(_ socket: RawSocket, session: String) throws -> (code: String?, took: Duration) {
            let started = ContinuousClock.now
            try socket.write(RawSocket.encode(["TRACK", session, "probe.swift", "CODE", "VIEW", "TOKENS", "1"]))
            let reply = try socket.readReplies(1)[0]
            let took = ContinuousClock.now - started
            if case .integer = reply { return (nil, took) }
            return (String((errorLine(of: reply) ?? "UNEXPECTED \(reply)").prefix { $0 != " " }), took)
        }

        // The server is a separate process and every client runs on threads of its own, so the
        // latencies measured are the server's, not the test process's (whose cooperative threads
        // the rest of the suite keeps busy).
        @Test func outageUnderLoadAnswersFastRecoversAndKeepsEverythingAcknowledged() async throws {
            try await Self.withPrivateCluster { cluster in
                let store = PostgresResourceService(conninfo: cluster.conninfo, connections: 1)
                let (_, acme) = try await store.createOrganization(name: "acme")
                await store.pool.close()
                let server = try await ServerProcess.start(conninfo: cluster.conninfo, arguments: ["--workers", "2"])
                let port = server.port, token = acme.token
                let admin = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: token)
                let sessions = [try await admin.createSession(), try await admin.createSession()]
                let probe = try await offloaded { () throws -> RawSocket in
                    let socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                    try socket.write(RawSocket.encode(["AUTH", token]))
                    _ = try socket.readReplies(1)
                    return socket
                }

                let load = TrackLoad(port: port, token: token, sessions: sessions, connections: 3, pipeline: 8, baseAt: epochMs)
                await load.waitForAcknowledged(500)
                let beforeOutage = load.acknowledgedCount
                _ = load.takeSlowestChunk()

                // Down for 4 seconds; the probe keeps asking meanwhile, each request timed.
                try await offloaded { try cluster.stop() }
                let session = sessions[0]
                let (slowestProbe, probeReplies) = try await offloaded { () throws -> (Duration, [String: Int]) in
                    var slowest = Duration.zero
                    var replies: [String: Int] = [:]
                    let downUntil = ContinuousClock.now + .seconds(4)
                    while ContinuousClock.now < downUntil {
                        let (code, took) = try Self.timedTrack(probe, session: session)
                        slowest = max(slowest, took)
                        replies[code ?? "acknowledged", default: 0] += 1
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                    return (slowest, replies)
                }
                let slowestDuringOutage = load.takeSlowestChunk()
                let duringOutage = load.snapshot

                try await cluster.start()
                let returned = ContinuousClock.now
                let servedAt = try await offloaded { () throws -> ContinuousClock.Instant? in
                    while ContinuousClock.now - returned < .seconds(30) {
                        if try Self.timedTrack(probe, session: session).code == nil { return ContinuousClock.now }
                        Thread.sleep(forTimeInterval: 0.01)
                    }
                    return nil
                }
                let recovered = servedAt.map { $0 - returned }
                let afterReturn = load.acknowledgedCount
                await load.waitForAcknowledged(afterReturn + 300, timeout: .seconds(30))
                let outcome = await load.stop()

                print("database outage: slowest reply during the outage \(slowestDuringOutage) (load), \(slowestProbe) (probe); "
                    + "served again \(recovered.map { "\($0)" } ?? "never") after the database returned; "
                    + "acknowledged \(outcome.acknowledged.count) (\(beforeOutage) before the outage); errors \(outcome.errors); probe \(probeReplies)")
                #expect(slowestDuringOutage < .seconds(1), "slowest pipelined chunk during the outage: \(slowestDuringOutage)")
                #expect(slowestProbe < .seconds(1), "slowest probe during the outage: \(slowestProbe)")
                #expect((probeReplies["TRYAGAIN"] ?? 0) > 0 && Set(probeReplies.keys) == ["TRYAGAIN"], "\(probeReplies)")
                #expect((duringOutage.errors["TRYAGAIN"] ?? 0) > 0, "the load saw no -TRYAGAIN: \(duringOutage.errors)")
                #expect(Set(outcome.errors.keys).isSubset(of: ["TRYAGAIN"]), "\(outcome.errors)")
                #expect(recovered != nil && recovered! < .seconds(2), "served again after \(String(describing: recovered))")
                #expect(outcome.acknowledged.count >= afterReturn + 300, "the load did not resume")
                #expect(outcome.endings.allSatisfy { $0 == "stopped" }, "\(outcome.endings)")

                // Nothing acknowledged is lost, nothing is written twice, and memory agrees with the rows.
                let sql = try await PQConnection.connect(cluster.conninfo)
                let rows = try await FaultTests.CrashDurabilityTests.loggedAccesses(sql)
                await sql.close()
                let persisted = Set(rows.map { "\($0.session) \($0.at)" })
                let lost = outcome.acknowledged.filter { !persisted.contains("\($0.session) \($0.at)") }
                #expect(lost.isEmpty, "\(lost.count) acknowledged TRACKs have no row")
                let loadRows = rows.filter { $0.path != "probe.swift" }
                #expect(Set(loadRows.map { "\($0.session) \($0.at)" }).count == loadRows.count)
                for session in sessions {
                    #expect(try await admin.sessionGet(session).accesses == rows.filter { $0.session == session }.count)
                }
                // Background tasks log a failure streak once, not every attempt: heartbeats ran
                // four times a second through the outage.
                try await server.waitForOutput(containing: "heartbeat works again", timeout: .seconds(10))
                let log = server.output
                #expect(log.components(separatedBy: "heartbeat failed").count - 1 == 1, "\(log)")
                #expect(log.contains("heartbeat works again"))
                try await admin.close()
                await server.stop()
            }
        }
    }
}
