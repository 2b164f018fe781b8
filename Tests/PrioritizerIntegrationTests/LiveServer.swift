import Foundation
import Logging
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import PrioritizerTLS
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
    /// The HTTP endpoint of `/metrics` and `/health`, when the server was started with metrics.
    private(set) var observability: ObservabilityServer?
    let configuration: RunnerConfiguration
    let exportsMetrics: Bool
    let tls: ServerTLS?
    let clusterTiming: ClusterMembership.Timing

    private init(
        database: TestDatabase, store: PostgresResourceService, acme: AgentCredentials, globex: AgentCredentials,
        configuration: RunnerConfiguration, metrics: Bool, tls: ServerTLS?, clusterTiming: ClusterMembership.Timing
    ) async throws {
        self.database = database
        self.store = store
        self.acme = acme
        self.globex = globex
        self.configuration = configuration
        self.exportsMetrics = metrics
        self.tls = tls
        self.clusterTiming = clusterTiming
        (server, runners, port, observability) = try await Self.boot(
            store: store, configuration: configuration, metrics: metrics, tls: tls, clusterTiming: clusterTiming)
    }

    /// The server stack over `store`: runners joined as a node, the RESP server started, and the
    /// metrics endpoint when asked for. Also what `NodeCluster` starts each node with.
    static func boot(
        store: PostgresResourceService, configuration: RunnerConfiguration, metrics exportsMetrics: Bool, tls: ServerTLS?,
        recheckInterval: Duration = .seconds(1), clusterTiming: ClusterMembership.Timing = .init()
    ) async throws -> (PrioritizerServer, RunnerPool, Int, ObservabilityServer?) {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        // A registry of its own per server: tests run in parallel in one process.
        let metrics = exportsMetrics ? ServerMetrics() : nil
        let runners = try RunnerPool(
            store: store, configuration: configuration, metrics: metrics, clusterTiming: clusterTiming, logger: logger)
        try await runners.join(address: "127.0.0.1")
        let services = ServerServices.backed(by: store, runners: runners, recheckInterval: recheckInterval)
        let server = PrioritizerServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0), services: services, metrics: metrics,
            security: tls, logger: logger)
        let address = try await server.start()
        var observability: ObservabilityServer?
        if let metrics {
            let health = HealthCheck(isServing: { server.isServing }, database: { try await store.checkReachable() })
            observability = ObservabilityServer(port: 0, server: server, metrics: metrics, health: health, logger: logger)
            try await observability!.start()
        }
        return (server, runners, address.port!, observability)
    }

    /// The port of `/metrics` and `/health`.
    var metricsPort: Int { observability!.localAddress!.port! }

    /// Runs `body` against a fresh server and database, tearing both down afterwards.
    static func with<T>(
        configuration: RunnerConfiguration = RunnerConfiguration(workers: 2), metrics: Bool = false, tls: ServerTLS? = nil,
        limits: StatementLimits = .none, clusterTiming: ClusterMembership.Timing = .init(),
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        try await withTestDatabase { database in
            let store = PostgresResourceService(
                conninfo: database.conninfo, connections: configuration.workers + 3, limits: limits)
            let (_, acme) = try await store.createOrganization(name: "acme")
            let (_, globex) = try await store.createOrganization(name: "globex")
            let live = try await LiveServer(
                database: database, store: store, acme: acme, globex: globex, configuration: configuration,
                metrics: metrics, tls: tls, clusterTiming: clusterTiming)
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
        await runners.leave()
        await observability?.shutdown()
    }

    /// Stops and starts a new server process-equivalent (new runners, empty memory) on the same
    /// database: what a restart looks like to clients.
    func restart() async throws {
        await stop()
        (server, runners, port, observability) = try await Self.boot(
            store: store, configuration: configuration, metrics: exportsMetrics, tls: tls, clusterTiming: clusterTiming)
    }

    /// A direct connection to the test database, for checking rows.
    func sql() async throws -> PQConnection {
        try await database.connect()
    }
}
