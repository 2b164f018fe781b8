import Prometheus

/// `prioritizer_requests_total{command, result}`: every request the command table answered, by
/// command and by result — `ok`, or the error's code word (`ERR`, `NOAUTH`, `BUSY`, `TRYAGAIN`, …).
///
/// The `ok` counter of every command is made up front and looked up in a dictionary that never
/// changes, so counting a successful request is one atomic add. Error counters are made on first
/// use through the registry (which locks): errors are the rare path, and their code words are the
/// server's own, a small fixed set. Names a client made up are counted as `unknown`, so a client
/// cannot grow the label set.
struct RequestMetrics: Sendable {
    // Computed: swift-prometheus' descriptor is not Sendable, so it cannot be a stored static.
    static var descriptor: MetricNameDescriptor {
        ServerMetrics.name("requests", unit: "total", "Requests answered, by command and result (ok or the error code word).")
    }
    static let unknownCommand = "unknown"

    private let tallies: [String: RequestTally]
    private let unknown: RequestTally

    init(registry: PrometheusCollectorRegistry, table: CommandTable) {
        var tallies: [String: RequestTally] = [:]
        for declaration in table.declarations {
            for name in [declaration.name] + declaration.subcommands.map(\.name) {
                tallies[name] = RequestTally(command: name, registry: registry)
            }
        }
        self.tallies = tallies
        // A command the server does not know never succeeds: no `ok` series for it.
        unknown = RequestTally(command: Self.unknownCommand, registry: registry, countsSuccess: false)
    }

    /// The tally of a declared command (its name as the table spells it), or `unknown`.
    func tally(for command: String?) -> RequestTally {
        command.flatMap { tallies[$0] } ?? unknown
    }
}

/// The counters of one command.
struct RequestTally: Sendable {
    let command: String
    private let ok: Counter?
    private let registry: PrometheusCollectorRegistry

    init(command: String, registry: PrometheusCollectorRegistry, countsSuccess: Bool = true) {
        self.command = command
        self.registry = registry
        ok = countsSuccess ? registry.makeCounter(descriptor: RequestMetrics.descriptor, labels: Self.labels(command, "ok")) : nil
    }

    func record(_ reply: RESPValue) {
        let result: String
        if case .error(let line) = reply {
            result = String(line.prefix { $0 != " " })
        } else if let ok {
            ok.increment()
            return
        } else {
            result = "ok"
        }
        registry.makeCounter(descriptor: RequestMetrics.descriptor, labels: Self.labels(command, result)).increment()
    }

    private static func labels(_ command: String, _ result: String) -> [(String, String)] {
        [("command", command), ("result", result)]
    }
}
