import Prioritization
import PrioritizerClient

/// Sends a workload through a server, one request at a time in file order (the server learns
/// relations from the order of accesses, so the order is part of the workload), and records what
/// its PRIORITIZE chose at each expectation.
struct WorkloadReplayer {
    static let scorer = "server"

    let client: PrioritizerClient
    /// Whether PRIORITIZE may choose resources through relations (`RELATED 1`).
    let related: Bool

    func replay(_ workload: Workload, budgets: [Int]) async throws -> RecallTally {
        try await replay(workload, budgets: budgets, reportFormat: nil).tally
    }

    /// Also returns each session's METRICS report in `reportFormat` (file order), read before a
    /// throwaway server goes away.
    func replay(
        _ workload: Workload, budgets: [Int], reportFormat: PrioritizerClient.ReportFormat?
    ) async throws -> (tally: RecallTally, reports: [(session: String, text: String)]) {
        var tally = RecallTally()
        var order: [String] = []
        var sessions: [String: String] = [:]
        func session(_ name: String) async throws -> String {
            if let id = sessions[name] { return id }
            let id = try await client.createSession(label: String(name.prefix(200)))
            sessions[name] = id
            order.append(name)
            return id
        }
        for line in workload.lines {
            switch line {
            case .event(let name, let event):
                var words = ["TRACK", try await session(name), event.path, event.type.rawValue, event.access.rawValue]
                if let size = event.size { words += ["SIZE", String(size)] }
                if let tokens = event.tokens { words += ["TOKENS", String(tokens)] }
                if event.modified { words.append("MODIFIED") }
                words += ["AT", String(event.at)]
                try await client.call(words)
            case .expectation(let name, let at, let expect):
                let id = try await session(name)
                for budget in budgets {
                    let chosen = try await client.prioritize(
                        session: id, budget: budget, at: at, dryRun: true, related: related)
                    tally.record(
                        scorer: Self.scorer, budget: budget, secondHalf: workload.isSecondHalf(name), expected: expect,
                        chosen: Set(chosen.map(\.path)))
                }
            }
        }
        var reports: [(session: String, text: String)] = []
        if let reportFormat {
            for name in order {
                reports.append((name, try await client.metrics(session: sessions[name]!, format: reportFormat)))
            }
        }
        return (tally, reports)
    }
}
