import Foundation
import Logging
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import TestSupport

/// The real server on an ephemeral 127.0.0.1 port, over a fresh migrated database of its own,
/// with two organizations ready: `acme` and `globex`, each with an admin token.
final class LiveServer: @unchecked Sendable {
    let database: TestDatabase
    let store: PostgresResourceService
    let acme: AgentCredentials
    let globex: AgentCredentials
    private(set) var server: PrioritizerServer
    private(set) var runners: RunnerPool
    private(set) var port: Int
    let configuration: RunnerConfiguration

    private init(
        database: TestDatabase, store: PostgresResourceService, acme: AgentCredentials, globex: AgentCredentials,
        configuration: RunnerConfiguration
    ) async throws {
        self.database = database
        self.store = store
        self.acme = acme
        self.globex = globex
        self.configuration = configuration
        (server, runners, port) = try await Self.boot(store: store, configuration: configuration)
    }

    private static func boot(
        store: PostgresResourceService, configuration: RunnerConfiguration
    ) async throws -> (PrioritizerServer, RunnerPool, Int) {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let runners = try RunnerPool(store: store, configuration: configuration, logger: logger)
        let services = ServerServices(
            authenticator: StoreAuthenticator(store: store), sessions: runners, tokens: TokenizerTokenCounting(),
            agents: StoreAgentAdministration(store: store), statistics: runners)
        let server = PrioritizerServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: services, logger: logger)
        let address = try await server.start()
        return (server, runners, address.port!)
    }

    /// Runs `body` against a fresh server and database, tearing both down afterwards.
    static func with<T>(
        configuration: RunnerConfiguration = RunnerConfiguration(workers: 2),
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        try await withTestDatabase { database in
            let store = PostgresResourceService(conninfo: database.conninfo, connections: configuration.workers + 3)
            let (_, acme) = try await store.createOrganization(name: "acme")
            let (_, globex) = try await store.createOrganization(name: "globex")
            let live = try await LiveServer(
                database: database, store: store, acme: acme, globex: globex, configuration: configuration)
            do {
                let value = try await body(live)
                await live.stop()
                await store.pool.close()
                return value
            } catch {
                await live.stop()
                await store.pool.close()
                throw error
            }
        }
    }

    /// A client authenticated with `token` (RESP3).
    func client(_ token: String) async throws -> PrioritizerClient {
        try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: token)
    }

    /// Graceful stop: every received request answered and committed.
    func stop() async {
        try? await server.shutdown(gracePeriod: .seconds(5))
        await runners.flushAll()
    }

    /// Stops and starts a new server process-equivalent (new runners, empty memory) on the same
    /// database: what a restart looks like to clients.
    func restart() async throws {
        await stop()
        (server, runners, port) = try await Self.boot(store: store, configuration: configuration)
    }

    /// A direct connection to the test database, for checking rows.
    func sql() async throws -> PQConnection {
        try await database.connect()
    }
}
