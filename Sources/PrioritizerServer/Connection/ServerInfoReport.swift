import Foundation

/// The text of INFO: `# Section` headers and `key:value` lines separated by CRLF, as Redis
/// writes it, so tools that parse Redis's INFO read ours.
struct ServerInfoReport: Sendable {
    let statistics: ServerStatistics
    let configuration: ServerConfiguration
    let source: (any ServerStatisticsSource)?

    /// `sections` empty, `all`, `default` or `everything`: every section.
    func text(sections requested: [String]) async -> String {
        let counters = statistics.snapshot
        let uptime = Int(Date().timeIntervalSince(statistics.startedAt))
        var sections = [
            InfoSection(name: "Server", fields: [
                ("prioritizer_version", ServerConfiguration.serverVersion),
                ("redis_mode", "standalone"),
                ("process_id", String(ProcessInfo.processInfo.processIdentifier)),
                ("tcp_port", String(configuration.port)),
                ("uptime_in_seconds", String(uptime)),
            ]),
            InfoSection(name: "Clients", fields: [
                ("connected_clients", String(counters.connectedClients)),
                ("maxclients", String(configuration.maxClients)),
            ]),
            InfoSection(name: "Stats", fields: [
                ("total_connections_received", String(counters.totalConnectionsReceived)),
                ("rejected_connections", String(counters.rejectedConnections)),
                ("total_commands_processed", String(counters.totalCommandsProcessed)),
                ("total_protocol_errors", String(counters.protocolErrors)),
            ]),
        ]
        for extra in await source?.infoSections() ?? [] {
            if let index = sections.firstIndex(where: { $0.name.lowercased() == extra.name.lowercased() }) {
                sections[index].fields += extra.fields
            } else {
                sections.append(extra)
            }
        }
        let everything = requested.isEmpty || requested.contains { ["all", "default", "everything"].contains($0) }
        let chosen = sections.filter { everything || requested.contains($0.name.lowercased()) }
        return chosen.map { section in
            (["# \(section.name)"] + section.fields.map { "\($0.key):\($0.value)" }).joined(separator: "\r\n")
        }.joined(separator: "\r\n\r\n") + "\r\n"
    }
}
