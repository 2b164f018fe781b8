import ArgumentParser
import Foundation
import Prioritization
import PrioritizerClient

/// `prioritizer replay FILE.jsonl`: replays a recorded work history through a server and prints
/// recall at each budget next to the reference scorers (docs/replay.md).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded workload through the server and print recall at each budget.",
        discussion: """
            Each session of the file becomes a fresh session in one organization; events are sent as TRACK … AT \
            their own time, and at each expectation PRIORITIZE … AT … DRYRUN asks for a context. Recall (the share \
            of the expected paths chosen, averaged over expectations) is printed for the server next to recency and \
            the seed's formula computed in-process. Without --server a throwaway embedded server is started.
            """)

    @Argument(help: "The workload: one JSON object a line (docs/replay.md).") var file: String
    @Option(name: .customLong("budget"), help: "Token budget to evaluate; repeat for several (default: 4000 and 16000).")
    var budgets: [Int] = []
    @Option(help: "HOST:PORT of a running server; without it a throwaway embedded server is started.")
    var server: String?
    @Option(help: "Agent token for --server (sessions are made in its organization).") var token: String?
    @Flag(help: "Print the figures as JSON.") var json = false
    @Flag(name: .customLong("no-related"), help: "Ask with RELATED 0: only what each session touched.")
    var noRelated = false
    @Flag(help: "After the figures, print each replayed session's METRICS report (markdown; JSON objects with --json).")
    var report = false

    func validate() throws {
        if budgets.contains(where: { $0 <= 0 }) { throw ValidationError("--budget must be positive") }
        if server != nil && token == nil { throw ValidationError("--server needs --token") }
        if server == nil && token != nil { throw ValidationError("--token goes with --server") }
    }

    func run() async throws {
        let workload: Workload
        do {
            workload = try Workload(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CommandFailure("cannot read \(file): \(error)")
        }
        let budgets = self.budgets.isEmpty ? [4_000, 16_000] : self.budgets
        // The in-process line follows --no-related, so it stays comparable with the server's.
        var tally = InProcessReplay(relations: noRelated ? nil : .standard).run(workload, budgets: budgets)
        let format: PrioritizerClient.ReportFormat? = report ? (json ? .json : .markdown) : nil
        let outcome: (tally: RecallTally, reports: [(session: String, text: String)])
        if let server {
            let (host, port) = try Self.address(server)
            let client = try await PrioritizerClient.connect(host: host, port: port, token: token)
            defer { Task { try? await client.close() } }
            outcome = try await WorkloadReplayer(client: client, related: !noRelated)
                .replay(workload, budgets: budgets, reportFormat: format)
        } else {
            outcome = try await ThrowawayServer.with { client in
                try await WorkloadReplayer(client: client, related: !noRelated)
                    .replay(workload, budgets: budgets, reportFormat: format)
            }
        }
        tally.merge(outcome.tally)
        let figures = ReplayReport(workload: workload, budgets: budgets, tally: tally)
        print(json ? figures.json() : figures.markdown(), terminator: "")
        for (session, text) in outcome.reports {
            if json {
                print(text)
            } else {
                print("\n## Session \(session)\n\n\(text)", terminator: text.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    static func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), port > 0 else {
            throw CommandFailure("--server wants HOST:PORT, got '\(text)'")
        }
        return (String(text[..<colon]), port)
    }
}
