import Foundation
import Testing
import TestSupport

/// The example agents of examples/ run against a live server, as their READMEs say to run them,
/// and print a context that fits the budget; the server holds what they tracked.
@Suite("examples/ agents against a live server") struct ExamplesTests {
    /// Both examples simulate the same session and prepare a context of 8,000 tokens.
    static let budget = 8_000
    static let trackedFiles = 7
    static let trackedAccesses = 10

    @Test func pythonAgentOnRedisPy() async throws {
        let redisPy = try await runTool("python3", ["-c", "import redis"])
        try #require(redisPy.status == 0, "redis-py is missing: scripts/install-deps installs it (pip install redis)")
        try await LiveServer.with { live in
            let output = try await runTool(
                "python3",
                [RepositoryFiles.url("examples/python-agent/agent.py").path,
                 "--port", String(live.port), "--token", live.acme.token, "--budget", String(Self.budget)],
                timeoutSeconds: 60)
            try await Self.check(output, live: live, label: "python agent: refactor parser")
        }
    }

    @Test func swiftAgentOnPrioritizerClient() async throws {
        try await LiveServer.with { live in
            let output = try await runTool(
                BuiltExecutable.url("swift-agent").path,
                ["--port", String(live.port), "--token", live.acme.token, "--budget", String(Self.budget)],
                timeoutSeconds: 60)
            try await Self.check(output, live: live, label: "swift agent: refactor parser")
        }
    }

    /// What both agents must print and leave behind.
    static func check(_ output: CommandOutput, live: LiveServer, label: String) async throws {
        #expect(output.status == 0, "\(output)")
        let lines = output.lines
        #expect(lines.filter { $0.hasPrefix("tracked ") }.count == trackedAccesses, "\(output.stdout)")
        // The edited parser is the most important file; the 30k-token paper cannot fit.
        let chosen = lines.filter { $0.hasPrefix("context ") }
        #expect(chosen.first?.hasPrefix("context src/parser.swift ") == true, "\(output.stdout)")
        #expect(!chosen.contains { $0.contains("papers/pratt-1973.pdf") }, "\(output.stdout)")

        // "chosen N files, USED of AVAILABLE tokens": within the budget left after prompt and overhead.
        let summary = try #require(lines.last { $0.hasPrefix("chosen ") }, "\(output.stdout)")
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count == 3, "\(summary)")
        #expect(numbers[0] == chosen.count && numbers[0] >= 3)
        #expect(numbers[1] <= numbers[2] && numbers[2] < budget - 500)
        let tokenSum = chosen.compactMap { line in line.split(separator: "=").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(tokenSum == numbers[1])

        // The server has what the agent tracked, and the prioritization it ran.
        let session = try #require(lines.first?.split(separator: " ").last.map(String.init), "\(output.stdout)")
        #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == trackedAccesses)
        #expect(try await live.count("SELECT count(*) FROM prioritizer.session_resources WHERE session_id = \(session)::uuid") == trackedFiles)
        #expect(try await live.count(
            "SELECT count(*) FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid AND chosen_count = \(numbers[0])") == 1)
        #expect(try await live.count(
            "SELECT count(*) FROM prioritizer.sessions WHERE session_id = \(session)::uuid AND label = \(label) AND closed_at IS NOT NULL") == 1)
    }
}
