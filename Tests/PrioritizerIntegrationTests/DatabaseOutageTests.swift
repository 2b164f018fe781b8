import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import TestSupport
import Testing

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

    @Test func outageUnderLoadAnswersFastRecoversAndKeepsEverythingAcknowledged() async throws {
        try await Self.withPrivateCluster { cluster in
            let configuration = RunnerConfiguration(workers: 2)
            let store = PostgresResourceService(conninfo: cluster.conninfo, connections: configuration.workers + 3)
            let (_, acme) = try await store.createOrganization(name: "acme")
            let (server, runners, port) = try await LiveServer.boot(store: store, configuration: configuration)
            let probe = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: acme.token)
            let sessions = [try await probe.createSession(), try await probe.createSession()]

            let load = TrackLoad(port: port, token: acme.token, sessions: sessions, connections: 3, pipeline: 8, baseAt: epochMs)
            await load.waitForAcknowledged(500)
            let beforeOutage = load.acknowledgedCount
            _ = load.takeSlowestChunk()

            // Down for 4 seconds; a client keeps asking meanwhile, each request timed.
            try await offloaded { try cluster.stop() }
            var slowestProbe = Duration.zero
            var probeReplies: [String: Int] = [:]
            let downUntil = ContinuousClock.now + .seconds(4)
            while ContinuousClock.now < downUntil {
                let started = ContinuousClock.now
                let line = await errorLine {
                    try await probe.track(session: sessions[0], path: "probe.swift", type: .code, access: .view, tokens: 1)
                }
                slowestProbe = max(slowestProbe, ContinuousClock.now - started)
                probeReplies[line.map { String($0.prefix { $0 != " " }) } ?? "acknowledged", default: 0] += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            let slowestDuringOutage = load.takeSlowestChunk()
            let duringOutage = load.snapshot

            try await cluster.start()
            let returned = ContinuousClock.now
            var recovered: Duration?
            while recovered == nil && ContinuousClock.now - returned < .seconds(30) {
                do {
                    try await probe.track(session: sessions[0], path: "probe.swift", type: .code, access: .view, tokens: 1)
                    recovered = ContinuousClock.now - returned
                } catch {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
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
            let rows = try await CrashDurabilityTests.loggedAccesses(sql)
            await sql.close()
            let persisted = Set(rows.map { "\($0.session) \($0.at)" })
            let lost = outcome.acknowledged.filter { !persisted.contains("\($0.session) \($0.at)") }
            #expect(lost.isEmpty, "\(lost.count) acknowledged TRACKs have no row")
            let loadRows = rows.filter { $0.path != "probe.swift" }
            #expect(Set(loadRows.map { "\($0.session) \($0.at)" }).count == loadRows.count)
            for session in sessions {
                #expect(try await probe.sessionGet(session).accesses == rows.filter { $0.session == session }.count)
            }
            try await probe.close()
            try? await server.shutdown(gracePeriod: .seconds(5))
            await runners.flushAll()
            await store.pool.close()
        }
    }
}
