import NIOCore

/// How the server listens and what it admits. Every limit has a documented default and a flag
/// of `prioritizer serve`.
public struct ServerConfiguration: Sendable, Hashable {
    public static let serverName = "prioritizer"
    public static let serverVersion = "0.1.0"

    /// SPEC: 127.0.0.1 unless `--host` says otherwise.
    public static let defaultHost = "127.0.0.1"
    /// SPEC: port 7420. Flag `--port`; 0 picks an ephemeral port (tests).
    public static let defaultPort = 7420
    /// Redis's default `maxclients` is 10,000; issue 5 asks for 1,000 held connections, and each
    /// connection costs a descriptor and a few kilobytes, so 10,000 fits a default
    /// `ulimit -n` raised for servers. Flag `--max-clients`.
    public static let defaultMaxClients = 10_000
    /// Requests of one connection in flight before the server stops reading from it: enough for
    /// deep pipelines (redis-benchmark -P 32 uses 32) while bounding what a client that never
    /// reads can make the server hold. Flag `--max-pipeline`.
    public static let defaultMaxPipelinedRequests = 1024

    public var host: String
    public var port: Int
    public var maxClients: Int
    public var maxPipelinedRequests: Int
    public var limits: RESPLimits

    public init(
        host: String = defaultHost, port: Int = defaultPort, maxClients: Int = defaultMaxClients,
        maxPipelinedRequests: Int = defaultMaxPipelinedRequests, limits: RESPLimits = .default
    ) {
        self.host = host
        self.port = port
        self.maxClients = maxClients
        self.maxPipelinedRequests = maxPipelinedRequests
        self.limits = limits
    }
}
