import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import PQ
import PrioritizerServer
import PrioritizerStore
import PrioritizerTLS

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the RESP server (on an embedded PostgreSQL when no database is configured).",
        discussion: "Applies pending migrations first. SIGINT or SIGTERM: stop accepting, answer and commit what was received, exit 0.")

    @Option(help: "Address to listen on.") var host = ServerConfiguration.defaultHost
    @Option(help: "TCP port.") var port = ServerConfiguration.defaultPort
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve TLS (only) on the port.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Session runner actors (default: the number of cores).") var workers: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @OptionGroup(title: "Limits") var limits: ServeLimits
    @OptionGroup(title: "Observability") var observability: ObservabilityOptions
    @Flag(name: .customLong("no-relations"), help: "Learn no co-access relations and offer no related resources (LINK is refused).")
    var noRelations = false
    @Flag(name: .customLong("runtime-thread-pool"), help: "Run Swift concurrency on the runtime's own threads instead of the event loops.")
    var runtimeThreadPool = false

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if let workers, workers <= 0 { throw ValidationError("--workers must be positive") }
    }

    /// Reads the certificate and key, before the database is started: a bad file fails at once.
    private func loadTLS() throws -> ServerTLS? {
        guard let tlsCert, let tlsKey else { return nil }
        return try ServerTLS(certificateChainPath: tlsCert, privateKeyPath: tlsKey)
    }

    func run() async throws {
        let onEventLoops = !runtimeThreadPool && EventLoopExecutor.install()
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw CommandFailure("unknown log level '\(logLevel)': trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "prioritizer")
        logger.info("swift concurrency executor", metadata: ["executor": "\(onEventLoops ? "event loops" : "runtime thread pool")"])
        logger.info("memory allocator", metadata: ["malloc": "\(Allocator.description)"])
        try await serve(logger: logger)
    }

    private func serve(logger: Logger) async throws {
        // Caught from the start: a signal while the database starts or migrates, or while the
        // node joins, ends the start-up in order (embedded cluster stopped) instead of killing
        // the process with its cluster left running.
        let shutdown = ShutdownSignal.listen()
        let tls = try loadTLS()
        var runnerConfiguration = limits.runnerConfiguration(workers: workers)
        if noRelations { runnerConfiguration.relations = nil }
        let conninfo: String
        let embedded: EmbeddedPostgres?
        do {
            (conninfo, embedded) = try await openDatabase(logger: logger, shutdown: shutdown)
        } catch MigrationError.interrupted(let version, let name) {
            // A migration waiting for a table's lock gave way to the signal, rolled back whole.
            logger.notice("stopped while a migration waited for a lock", metadata: ["version": "\(version)", "file": "\(name)"])
            return
        }
        do {
            let store = PostgresResourceService(
                conninfo: conninfo, connections: runnerConfiguration.workers + 4, limits: limits.statementLimits)
            if case .embedded(let folder) = database.location,
               let token = try await DefaultOrganization.ensure(service: store, dataDirectory: folder) {
                say("created organization 'default'; its admin token (also in \(folder.path)/admin-token):")
                say(token)
            }
            let metrics = observability.makeMetrics()
            let heartbeats = PostgresResourceService(conninfo: conninfo, connections: 1, limits: limits.statementLimits)
            let runners = try RunnerPool(
                store: store, configuration: runnerConfiguration, metrics: metrics, heartbeatStore: heartbeats, logger: logger)
            // Before accepting: a node joining others holds back until they have seen it (docs/scaling.md).
            try await runners.join(address: "\(host):\(port)")
            let services = ServerServices.backed(by: store, runners: runners)
            let server = PrioritizerServer(
                configuration: limits.serverConfiguration(host: host, port: port), services: services, metrics: metrics,
                security: tls, logger: logger)
            let address = try await server.start()
            let endpoint = try await observability.start(server: server, metrics: metrics, store: store, logger: logger)
            say("prioritizer listening on \(address)\(tls == nil ? "" : " (TLS)")")
            if let endpoint, let bound = endpoint.localAddress?.port {
                say("prioritizer metrics on http://\(endpoint.host):\(bound)/metrics and /health")
            }

            let signal = await shutdown.wait()
            logger.info("shutting down", metadata: ["signal": "\(signal)"])
            try await server.shutdown(gracePeriod: limits.shutdownGrace)
            await runners.flushAll()
            await runners.leave()
            await endpoint?.shutdown()
            await store.pool.close()
            await heartbeats.pool.close()
        } catch {
            try? embedded?.stop()
            throw error
        }
        try embedded?.stop()
        logger.info("stopped")
    }

    /// The configured database, or the embedded cluster started for this process; migrated.
    private func openDatabase(logger: Logger, shutdown: ShutdownSignal) async throws -> (String, EmbeddedPostgres?) {
        let conninfo: String
        var embedded: EmbeddedPostgres?
        switch database.location {
        case .external(let configured):
            conninfo = configured
        case .embedded(let folder):
            let cluster = try EmbeddedPostgres(dataDirectory: folder)
            try await cluster.start()
            logger.info("embedded PostgreSQL running", metadata: ["cluster": "\(cluster.clusterDirectory.path)"])
            conninfo = cluster.conninfo
            embedded = cluster
        }
        do {
            let connection = try await PQConnection.connect(conninfo)
            let applied = try await Migrator().migrate(connection, stopWaiting: { shutdown.hasArrived })
            for migration in applied { logger.info("applied migration", metadata: ["file": "\(migration.name)"]) }
            await connection.close()
        } catch {
            try? embedded?.stop()
            throw error
        }
        return (conninfo, embedded)
    }
}

/// Writes a line to standard output at once: `print` is block-buffered into pipes and log files,
/// and the admin token and the "listening" line must appear when they happen.
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The limits of `serve`, each with its documented default.
struct ServeLimits: ParsableArguments {
    @Option(help: "Connections admitted at once.") var maxClients = ServerConfiguration.defaultMaxClients
    @Option(help: "Replies outstanding per connection before it stops being read.")
    var maxPipeline = ServerConfiguration.defaultMaxPipelinedRequests
    @Option(help: "Largest bulk argument, bytes.") var maxBulkBytes = RESPLimits.defaultMaxBulkBytes
    @Option(help: "Largest request, bytes.") var maxRequestBytes = RESPLimits.defaultMaxRequestBytes
    @Option(help: "Longest inline command or header line, bytes.") var maxInlineBytes = RESPLimits.defaultMaxInlineBytes
    @Option(help: "Most arguments in one request.") var maxArguments = RESPLimits.defaultMaxArguments
    @Option(help: "Writes per group commit.") var batchSize = RunnerConfiguration.defaultMaxBatch
    @Option(help: "Group commits of one runner in flight at once.")
    var commitConcurrency = RunnerConfiguration.defaultCommitConcurrency
    @Option(help: "Longest wait for a group commit to fill, milliseconds (0: commit as soon as the previous one ends).")
    var batchDelayMs = 0
    @Option(help: "Writes queued across runners before -BUSY.") var maxPending = RunnerConfiguration.defaultMaxPending
    @Option(help: "Session resources kept in memory before idle sessions are evicted.")
    var maxResidentResources = RunnerConfiguration.defaultMaxResidentResources
    @Option(help: "Longest search of the optimal packing, milliseconds.") var packingTimeCapMs = 50
    @Option(help: "Longest a database statement may run before it is cancelled and answered -TRYAGAIN, milliseconds (0: no limit).")
    var statementTimeoutMs = Int(StatementLimits.defaultStatementTimeout / .milliseconds(1))
    @Option(help: "Longest wait at shutdown for the requests already received to be answered, milliseconds (default: the statement timeout plus 5 s, so that a commit stalled on the database is answered -TRYAGAIN first; 35 s without a statement timeout).")
    var shutdownGraceMs: Int?

    func validate() throws {
        let positive: [(String, Int)] = [
            ("--max-clients", maxClients), ("--max-pipeline", maxPipeline), ("--max-bulk-bytes", maxBulkBytes),
            ("--max-request-bytes", maxRequestBytes), ("--max-inline-bytes", maxInlineBytes),
            ("--max-arguments", maxArguments), ("--batch-size", batchSize), ("--max-pending", maxPending),
            ("--commit-concurrency", commitConcurrency),
            ("--max-resident-resources", maxResidentResources),
            // 0 would stop every search at once: `optimal` answering `density`'s packing, unsaid.
            ("--packing-time-cap-ms", packingTimeCapMs),
        ]
        for (flag, value) in positive where value <= 0 {
            throw ValidationError("\(flag) must be positive")
        }
        // Far past any sane setting, and low enough that the sums the server makes of them
        // (a connection's largest frame: a bulk, two header lines and their CRLFs) cannot overflow:
        // `--max-bulk-bytes` near Int.max trapped on the first connection.
        let bounded: [(String, Int, Int)] = [
            ("--max-bulk-bytes", maxBulkBytes, 1 << 32), ("--max-request-bytes", maxRequestBytes, 1 << 32),
            ("--max-inline-bytes", maxInlineBytes, 1 << 30), ("--max-arguments", maxArguments, 1 << 24),
            ("--max-clients", maxClients, 1 << 20), ("--max-pipeline", maxPipeline, 1 << 20),
            ("--batch-size", batchSize, 1 << 20), ("--max-pending", maxPending, 1 << 30),
        ]
        for (flag, value, bound) in bounded where value > bound {
            throw ValidationError("\(flag) must be at most \(bound)")
        }
        if batchDelayMs < 0 || statementTimeoutMs < 0 || (shutdownGraceMs ?? 0) < 0 {
            throw ValidationError("durations must not be negative")
        }
    }

    func serverConfiguration(host: String, port: Int) -> ServerConfiguration {
        ServerConfiguration(
            host: host, port: port, maxClients: maxClients, maxPipelinedRequests: maxPipeline,
            limits: RESPLimits(
                maxBulkBytes: maxBulkBytes, maxRequestBytes: maxRequestBytes, maxInlineBytes: maxInlineBytes,
                maxArguments: maxArguments))
    }

    /// How long shutdown waits for replies before closing connections by force: past the
    /// statement timeout, so that a commit stalled on the database is answered -TRYAGAIN first.
    /// (A runner's next commit, queued behind it and stalled in turn, may outlast it.)
    var shutdownGrace: TimeAmount {
        .milliseconds(Int64(shutdownGraceMs ?? (statementTimeoutMs == 0 ? 35_000 : statementTimeoutMs + 5_000)))
    }

    var statementLimits: StatementLimits {
        StatementLimits(statementTimeout: statementTimeoutMs == 0 ? nil : .milliseconds(statementTimeoutMs))
    }

    func runnerConfiguration(workers: Int?) -> RunnerConfiguration {
        RunnerConfiguration(
            workers: workers ?? RunnerConfiguration.defaultWorkers, commitConcurrency: commitConcurrency, maxBatch: batchSize,
            maxBatchDelay: .milliseconds(batchDelayMs), maxPending: maxPending,
            maxResidentResources: maxResidentResources, packingTimeCap: .milliseconds(packingTimeCapMs))
    }
}
