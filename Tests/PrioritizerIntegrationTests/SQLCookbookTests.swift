import Foundation
import PQ
import PrioritizerClient
import Testing
import TestSupport

/// Every ```sql block of docs/sql.md runs as an analyst role (made by `prioritizer analyst grant`)
/// against data made through the server, and returns rows.
@Suite("docs/sql.md cookbook") struct SQLCookbookTests {
    @Test func everyQueryOfTheDocRunsAsAnAnalystAndReturnsRows() async throws {
        let blocks = RepositoryFiles.fencedBlocks("sql", in: try RepositoryFiles.text("docs/sql.md"))
        #expect(blocks.count >= 10, "docs/sql.md has \(blocks.count) sql blocks")

        try await LiveServer.with { live in
            try await Self.editingDay(live)

            // The analyst role as users make it: `prioritizer analyst grant`.
            let role = "cookbook_" + String(UUID().uuidString.prefix(8)).lowercased()
            let grant = try await runTool(
                BuiltExecutable.url("prioritizer").path,
                ["analyst", "grant", "--org", "acme", role, "--database-url", live.database.conninfo], timeoutSeconds: 60)
            try #require(grant.status == 0, "\(grant)")
            let analyst = try await PQConnection.connect(
                live.database.conninfo.replacingOccurrences(of: "user=postgres", with: "user=\(role)"))
            for block in blocks {
                do {
                    let rows = try await analyst.query(PQQuery(block.body, []))
                    #expect(!rows.isEmpty, "'\(block.heading)' returned no rows")
                } catch {
                    Issue.record("'\(block.heading)' failed: \(error)")
                }
            }
            // The analyst sees acme only: globex's session is there, but not to them.
            let globexRows = try await analyst.query(
                "SELECT count(*) FROM prioritizer.resources WHERE path LIKE 'globex/%'")[0].decode(0, as: Int.self)
            #expect(globexRows == 0)
            await analyst.close()
            #expect(try await live.count("SELECT count(*) FROM prioritizer.resources WHERE path LIKE 'globex/%'") == 1)
        }
    }

    /// A day of work through the server: two agents of acme, a session continued from a parent,
    /// every access type and resource type, prioritizations with all three strategies (one file
    /// too large ever to be chosen), and a session of globex that acme's analyst must not see.
    static func editingDay(_ live: LiveServer) async throws {
        let admin = try await live.client(live.acme.token)
        let coderToken = try await admin.agentCreate(name: "coder")
        let reviewerToken = try await admin.agentCreate(name: "reviewer")
        let coder = try await live.client(coderToken)
        let reviewer = try await live.client(reviewerToken)

        let parser = try await coder.createSession(budget: 8_000, label: "refactor parser")
        try await coder.track(session: parser, path: "src/parser.swift", type: .code, access: .view, tokens: 1_200)
        try await coder.track(session: parser, path: "src/parser.swift", type: .code, access: .edit, modified: true)
        try await coder.track(session: parser, path: "src/lexer.swift", type: .code, access: .view, tokens: 900)
        try await coder.track(session: parser, path: "Tests/ParserTests.swift", type: .code, access: .execute, tokens: 700)
        try await coder.track(session: parser, path: "README.md", type: .documentation, access: .reference, content: "# Parser\nHow it works.")
        try await coder.track(session: parser, path: "data/grammar.json", type: .data, access: .view, size: 4_000)
        try await coder.track(session: parser, path: "papers/pratt.pdf", type: .research, access: .reference, tokens: 100_000)
        try await coder.track(session: parser, path: "build/parser.generated.swift", type: .generated, access: .view, tokens: 300)
        for strategy in PrioritizerClient.Strategy.allCases {
            _ = try await coder.prioritize(session: parser, budget: 4_000, strategy: strategy, reserve: 500)
        }

        let review = try await reviewer.createSession(budget: 6_000, label: "review parser", parent: parser)
        try await reviewer.track(session: review, path: "src/parser.swift", type: .code, access: .view)
        try await reviewer.track(session: review, path: "src/parser.swift", type: .code, access: .edit, modified: true)
        try await reviewer.track(session: review, path: "docs/parser.md", type: .documentation, access: .view, tokens: 400)
        _ = try await reviewer.prioritize(session: review, budget: 3_000)

        let globex = try await live.client(live.globex.token)
        let theirs = try await globex.createSession(budget: 1_000, label: "globex work")
        try await globex.track(session: theirs, path: "globex/secret.swift", type: .code, access: .edit, tokens: 10)
        _ = try await globex.prioritize(session: theirs, budget: 1_000)

        for client in [admin, coder, reviewer, globex] { try await client.close() }
    }
}
