import Foundation
import Logging
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore

/// A server for one command's lifetime: an embedded PostgreSQL in a temporary folder, migrated,
/// one organization, the RESP server on an ephemeral loopback port; all torn down afterwards.
enum ThrowawayServer {
    static func with<T>(_ body: (PrioritizerClient) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appending(path: "prioritizer-replay-\(UUID().uuidString)")
        // Searchable by others: run as root, the cluster runs as the postgres user inside it.
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try EmbeddedPostgres(dataDirectory: folder)
        try await cluster.start()
        defer { try? cluster.stop() }

        let connection = try await PQConnection.connect(cluster.conninfo)
        try await Migrator().migrate(connection)
        await connection.close()

        var logger = Logger(label: "prioritizer.replay")
        logger.logLevel = .error
        let configuration = RunnerConfiguration(workers: 2)
        let store = PostgresResourceService(conninfo: cluster.conninfo, connections: configuration.workers + 2)
        let (_, admin) = try await store.createOrganization(name: "replay")
        let runners = try RunnerPool(store: store, configuration: configuration, logger: logger)
        try await runners.join(address: "127.0.0.1")
        let services = ServerServices.backed(by: store, runners: runners)
        let server = PrioritizerServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: services, logger: logger)
        let address = try await server.start()
        func tearDown() async {
            try? await server.shutdown(gracePeriod: .seconds(5))
            await runners.flushAll()
            await runners.leave()
            await store.pool.close()
        }
        do {
            let client = try await PrioritizerClient.connect(host: "127.0.0.1", port: address.port!, token: admin.token)
            let value = try await body(client)
            try? await client.close()
            await tearDown()
            return value
        } catch {
            await tearDown()
            throw error
        }
    }
}
