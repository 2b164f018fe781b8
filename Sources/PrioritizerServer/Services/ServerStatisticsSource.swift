/// Extra INFO sections from the parts behind the server: tracked events, commits, batch sizes,
/// latencies. The server itself contributes `server`, `clients` and its own command counters.
public protocol ServerStatisticsSource: Sendable {
    func infoSections() async -> [InfoSection]
}
