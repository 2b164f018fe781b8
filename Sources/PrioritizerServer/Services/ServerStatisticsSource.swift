/// Extra INFO sections from the parts behind the server: tracked events, commits, batch sizes,
/// latencies. The server itself contributes `server`, `clients` and its own command counters.
public protocol ServerStatisticsSource: Sendable {
    func infoSections() async -> [InfoSection]
    /// What the runners hold now, for the gauges of `/metrics` (nil: no runners behind).
    func runnerFigures() async -> RunnerFigures?
}

extension ServerStatisticsSource {
    public func runnerFigures() async -> RunnerFigures? { nil }
}
