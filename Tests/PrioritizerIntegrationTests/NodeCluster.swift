import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import TestSupport

/// Several server nodes in this process on one fresh database, as separate as processes are:
/// each has its own connection pool, resource cache, runners, relations and port. Organization
/// `acme` is ready, with an admin token.
final class NodeCluster: @unchecked Sendable {
    struct Node {
        let store: PostgresResourceService
        let runners: RunnerPool
        let server: PrioritizerServer
        let port: Int
    }

    let database: TestDatabase
    let acme: AgentCredentials
    private(set) var nodes: [Node] = []

    private init(database: TestDatabase, acme: AgentCredentials) {
        self.database = database
        self.acme = acme
    }

    static func with<T>(
        nodes count: Int, configuration: RunnerConfiguration = RunnerConfiguration(workers: 2),
        recheckInterval: Duration = .seconds(1), clusterTiming: ClusterMembership.Timing = .init(),
        _ body: (NodeCluster) async throws -> T
    ) async throws -> T {
        try await withTestDatabase { database in
            let setup = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            let (_, acme) = try await setup.createOrganization(name: "acme")
            await setup.pool.close()
            let cluster = NodeCluster(database: database, acme: acme)
            do {
                for _ in 0..<count {
                    try await cluster.addNode(configuration: configuration, recheckInterval: recheckInterval, clusterTiming: clusterTiming)
                }
                let value = try await body(cluster)
                await cluster.stopAll()
                return value
            } catch {
                await cluster.stopAll()
                throw error
            }
        }
    }

    /// Starts one more node; returns once it serves (a node joining others holds back one lease).
    @discardableResult
    /// `recheckInterval`: how long each node trusts a checked login (`ServerServices.backed`).
    func addNode(
        configuration: RunnerConfiguration = RunnerConfiguration(workers: 2), recheckInterval: Duration = .seconds(1),
        clusterTiming: ClusterMembership.Timing = .init()
    ) async throws -> Node {
        let store = PostgresResourceService(conninfo: database.conninfo, connections: configuration.workers + 3)
        let (server, runners, port, _) = try await LiveServer.boot(
            store: store, configuration: configuration, metrics: false, tls: nil, recheckInterval: recheckInterval,
            clusterTiming: clusterTiming)
        let node = Node(store: store, runners: runners, server: server, port: port)
        nodes.append(node)
        return node
    }

    /// The single integer `query` returns, on a connection of its own.
    func count(_ query: String) async throws -> Int {
        let connection = try await database.connect()
        let value = try await connection.query(PQQuery(query, []))[0].decode(0, as: Int.self)
        await connection.close()
        return value
    }

    /// A client of node `index` authenticated with `token` (the admin's by default).
    func client(_ index: Int, token: String? = nil) async throws -> PrioritizerClient {
        try await PrioritizerClient.connect(host: "127.0.0.1", port: nodes[index].port, token: token ?? acme.token)
    }

    /// Stops node `index` gracefully: its requests answered and committed, its row removed, so
    /// the others may find themselves alone at their next heartbeat. (`stopAll` stopping it again
    /// at the end does nothing more.)
    func leave(_ index: Int) async throws {
        let node = nodes[index]
        try await node.server.shutdown(gracePeriod: .seconds(5))
        await node.runners.flushAll()
        await node.runners.leave()
    }

    private func stopAll() async {
        for node in nodes {
            try? await node.server.shutdown(gracePeriod: .seconds(5))
            await node.runners.flushAll()
            await node.runners.leave()
            await node.store.pool.close()
        }
        nodes.removeAll()
    }
}
