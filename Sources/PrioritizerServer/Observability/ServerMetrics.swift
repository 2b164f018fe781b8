import Prometheus

/// The server's Prometheus metrics, all made from one `PrometheusCollectorRegistry` that this
/// value is given rather than from swift-metrics' process-wide factory: several servers in one
/// process (the tests) each count their own requests.
///
/// Counters and histograms are updated where things happen (an atomic add, or a short lock inside
/// swift-prometheus for a histogram); the gauges — connections, sessions and resources in
/// memory, pending writes — are read from their owners when `/metrics` is scraped, so keeping
/// them costs nothing between scrapes.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let requests: RequestMetrics
    /// From a TRACK's write being taken by its runner to its group commit acknowledging it.
    let trackCommitLatency: DurationHistogram
    /// Writes (TRACKs and prioritization runs) per group commit.
    let batchSize: ValueHistogram
    let databaseErrors: Counter
    private let gauges: Gauges

    /// Group commits of one write up to `--batch-size` (500 by default) and beyond.
    static let batchSizeBuckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]
    /// From a fraction of a millisecond (a lone TRACK on a local database) to seconds (an outage).
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), commands: CommandTable = .standard) {
        self.registry = registry
        requests = RequestMetrics(registry: registry, table: commands)
        trackCommitLatency = registry.makeDurationHistogram(
            descriptor: Self.name("track_commit", unit: "seconds",
                                  "Time from a TRACK being taken by its runner to its group commit acknowledging it."),
            buckets: Self.latencyBuckets)
        batchSize = registry.makeValueHistogram(
            descriptor: Self.name("commit_batch", unit: "writes", "Writes per group commit."),
            buckets: Self.batchSizeBuckets)
        databaseErrors = registry.makeCounter(
            descriptor: Self.name("database_errors", unit: "total",
                                  "Store calls that failed on the database (group commits, session loads and reads, token checks)."))
        gauges = Gauges(registry: registry)
    }

    static func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "prioritizer", metricName: metric, unitName: unit, helpText: help)
    }

    /// Reads the gauges from their owners, then writes every metric in Prometheus' text format.
    func exposition(server: ServerStatistics.Snapshot, runners: RunnerFigures?) -> [UInt8] {
        gauges.update(server: server, runners: runners)
        return registry.emitToBuffer()
    }

    /// Values sampled at scrape time.
    private struct Gauges: Sendable {
        let connections: Gauge
        let connectionsReceived: Gauge
        let connectionsRejected: Gauge
        let protocolErrors: Gauge
        let sessions: Gauge
        let resources: Gauge
        let pendingWrites: Gauge

        init(registry: PrometheusCollectorRegistry) {
            func gauge(_ name: String, unit: String = "", _ help: String) -> Gauge {
                registry.makeGauge(descriptor: ServerMetrics.name(name, unit: unit, help))
            }
            connections = gauge("connections", "Client connections open now.")
            // Monotonic, but owned by ServerStatistics (INFO reads it too): exported as the
            // value it has at scrape time.
            connectionsReceived = gauge("connections_received", unit: "total", "Client connections accepted or rejected since start.")
            connectionsRejected = gauge("connections_rejected", unit: "total", "Connections refused over --max-clients since start.")
            protocolErrors = gauge("protocol_errors", unit: "total", "Connections closed on a RESP protocol error since start.")
            sessions = gauge("sessions_in_memory", "Sessions held by the runners.")
            resources = gauge("resources_in_memory", "Session resources held by the runners.")
            pendingWrites = gauge("pending_writes", "Writes taken and not yet committed (the group-commit queue depth).")
        }

        func update(server: ServerStatistics.Snapshot, runners: RunnerFigures?) {
            connections.set(Int64(server.connectedClients))
            connectionsReceived.set(Int64(server.totalConnectionsReceived))
            connectionsRejected.set(Int64(server.rejectedConnections))
            protocolErrors.set(Int64(server.protocolErrors))
            if let runners {
                sessions.set(Int64(runners.sessions))
                resources.set(Int64(runners.resources))
                pendingWrites.set(Int64(runners.pendingWrites))
            }
        }
    }
}

/// What the runners hold at one moment, summed over runners.
public struct RunnerFigures: Sendable, Hashable {
    public var sessions: Int
    public var resources: Int
    public var pendingWrites: Int

    public init(sessions: Int, resources: Int, pendingWrites: Int) {
        self.sessions = sessions
        self.resources = resources
        self.pendingWrites = pendingWrites
    }
}
