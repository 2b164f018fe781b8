import Foundation
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
        let connectionsReceived: MirroredCounter
        let connectionsRejected: MirroredCounter
        let protocolErrors: MirroredCounter
        let sessions: Gauge
        let resources: Gauge
        let pendingWrites: Gauge

        init(registry: PrometheusCollectorRegistry) {
            func gauge(_ name: String, unit: String = "", _ help: String) -> Gauge {
                registry.makeGauge(descriptor: ServerMetrics.name(name, unit: unit, help))
            }
            func counter(_ name: String, _ help: String) -> MirroredCounter {
                MirroredCounter(registry.makeCounter(descriptor: ServerMetrics.name(name, unit: "total", help)))
            }
            connections = gauge("connections", "Client connections open now.")
            // Counters whose values ServerStatistics owns (INFO reads them too): brought up to
            // date at scrape time.
            connectionsReceived = counter("connections_received", "Client connections accepted or rejected since start.")
            connectionsRejected = counter("connections_rejected", "Connections refused over --max-clients since start.")
            protocolErrors = counter("protocol_errors", "Connections closed on a RESP protocol error since start.")
            sessions = gauge("sessions_in_memory", "Sessions held by the runners.")
            resources = gauge("resources_in_memory", "Session resources held by the runners.")
            pendingWrites = gauge("pending_writes", "Writes taken and not yet committed (the group-commit queue depth).")
        }

        func update(server: ServerStatistics.Snapshot, runners: RunnerFigures?) {
            connections.set(Int64(server.connectedClients))
            connectionsReceived.advance(to: Int64(server.totalConnectionsReceived))
            connectionsRejected.advance(to: Int64(server.rejectedConnections))
            protocolErrors.advance(to: Int64(server.protocolErrors))
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

/// A Prometheus counter that follows a monotonic count kept elsewhere: each scrape adds what the
/// count gained since the previous one, so the exported series is a true counter (`_total`,
/// `rate()` works) without a second place counting the same events.
final class MirroredCounter: @unchecked Sendable {
    private let counter: Counter
    private let lock = NSLock()
    private var exported: Int64 = 0

    init(_ counter: Counter) {
        self.counter = counter
    }

    func advance(to value: Int64) {
        lock.lock()
        defer { lock.unlock() }
        guard value > exported else { return }
        counter.increment(by: value - exported)
        exported = value
    }
}
