import Foundation
import PQ
import PrioritizerStore
import Testing

@Suite("Embedded PostgreSQL") struct EmbeddedPostgresTests {
    @Test func startsStopsAndRestartsWithItsData() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "prioritizer-embedded-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A port of its own so that parallel runs of the suite never share a socket name.
        let embedded = try EmbeddedPostgres(dataDirectory: folder, port: Int.random(in: 20_000...29_999))
        try await embedded.start()
        #expect(embedded.isRunning)
        do {
            let connection = try await PQConnection.connect(embedded.conninfo)
            try await Migrator().migrate(connection)
            let service = PostgresResourceService(conninfo: embedded.conninfo, connections: 1)
            let token = try await DefaultOrganization.ensure(service: service, dataDirectory: folder)
            #expect(token?.hasPrefix("prk_") == true)
            #expect(try await DefaultOrganization.ensure(service: service, dataDirectory: folder) == nil)
            let kept = try String(contentsOf: folder.appending(path: "admin-token"), encoding: .utf8)
            #expect(kept == token! + "\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appending(path: "admin-token").path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            await service.pool.close()
            await connection.close()
        }
        // Only a unix socket: no TCP listener.
        let settings = try String(contentsOf: embedded.clusterDirectory.appending(path: "data/postgresql.conf"), encoding: .utf8)
        #expect(settings.contains("listen_addresses = ''"))

        try embedded.stop()
        #expect(!embedded.isRunning)
        try await embedded.start()
        let again = try await PQConnection.connect(embedded.conninfo)
        let orgs = try await again.query("SELECT name FROM prioritizer.organizations").map { try $0.decode(0, as: String.self) }
        #expect(orgs == ["default"])
        await again.close()
        try embedded.stop()
    }

    /// A cluster that cannot start says why: pg_ctl only reports that the server stopped, so the
    /// error carries the end of the server's log.
    @Test func aFailedStartQuotesTheServerLog() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "prioritizer-embedded-\(UUID().uuidString.prefix(8))")
        let embedded = try EmbeddedPostgres(dataDirectory: folder, port: Int.random(in: 20_000...29_999))
        defer {
            try? embedded.stop()
            try? FileManager.default.removeItem(at: embedded.clusterDirectory)
            try? FileManager.default.removeItem(at: folder)
        }
        try await embedded.start()
        try embedded.stop()
        let config = try FileHandle(forWritingTo: embedded.clusterDirectory.appending(path: "data/postgresql.conf"))
        try config.seekToEnd()
        try config.write(contentsOf: Data("\nshared_buffers = 'plenty'\n".utf8))
        try config.close()
        do {
            try await embedded.start()
            Issue.record("started with an invalid setting")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("pg_ctl failed"), "\(message)")
            #expect(message.contains("server.log ends with:") && message.contains("shared_buffers"), "\(message)")
        }
    }

    @Test func missingBinariesNameThePackageToInstall() {
        do {
            _ = try EmbeddedPostgres.locateBinaries(environment: ["PATH": "/nonexistent"], debianRoot: "/nonexistent")
            Issue.record("binaries cannot be found in an empty search path")
        } catch {
            #expect(error.description.contains("apt-get install -y postgresql"))
        }
    }

    @Test func databaseLocationFollowsTheSpecOrder() {
        #expect(DatabaseLocation.resolve(databaseURL: "postgresql://x/y", dataDirectory: nil, environment: ["DATABASE_URL": "z"])
            == .external("postgresql://x/y"))
        #expect(DatabaseLocation.resolve(databaseURL: nil, dataDirectory: nil, environment: ["DATABASE_URL": "z", "PGHOST": "h"])
            == .external("z"))
        #expect(DatabaseLocation.resolve(databaseURL: nil, dataDirectory: nil, environment: ["PGDATABASE": "d"]) == .external(""))
        #expect(DatabaseLocation.resolve(databaseURL: nil, dataDirectory: "/srv/p", environment: [:])
            == .embedded(dataDirectory: URL(fileURLWithPath: "/srv/p")))
    }
}
