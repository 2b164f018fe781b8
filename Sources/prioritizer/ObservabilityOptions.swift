import ArgumentParser
import CoreMetrics
import Logging
import Prometheus
import PrioritizerServer
import PrioritizerStore

/// `--metrics-port` / `--metrics-host`: Prometheus metrics and a health check over HTTP.
struct ObservabilityOptions: ParsableArguments {
    @Option(help: "Serve GET /metrics and GET /health on this port (off when not given).")
    var metricsPort: Int?
    @Option(help: "Address the metrics port listens on.")
    var metricsHost = ObservabilityServer.defaultHost

    func validate() throws {
        if let metricsPort, !(0...65_535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0...65535") }
    }

    /// The server's metrics when the port is given. swift-metrics is bootstrapped (once per
    /// process: it is global) onto the same registry, so what libraries report through it is
    /// scraped with the server's own metrics.
    func makeMetrics() -> ServerMetrics? {
        guard metricsPort != nil else { return nil }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return ServerMetrics(registry: registry)
    }

    /// Starts the HTTP endpoint for `server`, or nothing when no port is given.
    func start(
        server: PrioritizerServer, metrics: ServerMetrics?, store: PostgresResourceService, logger: Logger
    ) async throws -> ObservabilityServer? {
        guard let metricsPort, let metrics else { return nil }
        let health = HealthCheck(isServing: { server.isServing }, database: { try await store.checkReachable() })
        let endpoint = ObservabilityServer(
            host: metricsHost, port: metricsPort, server: server, metrics: metrics, health: health, logger: logger)
        try await endpoint.start()
        return endpoint
    }
}
