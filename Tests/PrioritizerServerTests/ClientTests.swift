import NIOCore
import PrioritizerClient
import Testing
@testable import PrioritizerServer

@Suite("PrioritizerClient against the server")
struct ClientTests {
    @Test func everyCommandThroughTheClient() async throws {
        try await withTestServer { port, _, _ in
            let client = try await PrioritizerClient.connect(port: port, token: "admin-token", clientName: "tests")
            #expect(client.hello["proto"]?.integer == 3)
            #expect(try await client.ping() == "PONG")
            #expect(try await client.ping("hi") == "hi")
            #expect(try await client.whoami() == ClientIdentity(organization: "acme", agent: "admin", role: "admin"))

            let session = try await client.createSession(budget: 8000, label: "dev", halfLife: 600, encoding: .o200kBase)
            #expect(try await client.track(session: session, path: "/a.swift", type: .code, access: .edit, tokens: 100) == 1)
            #expect(try await client.track(session: session, path: "/b.md", type: .documentation, access: .view, size: 800, modified: true, at: 1_700_000_000_000) == 1)
            #expect(try await client.track(session: session, path: "/c.txt", type: .data, access: .reference, content: "one two three") == 1)
            let chosen = try await client.prioritize(session: session, budget: 250, strategy: .greedy, reserve: 10, limit: 5, dryRun: true)
            #expect(chosen.map(\.path) == ["/a.swift", "/c.txt"])
            #expect(chosen.first == ContextEntry(path: "/a.swift", importance: 3, tokens: 100))
            #expect(try await client.importance(session: session, path: "/b.md") == 1)
            #expect(try await client.importance(session: session, path: "/nope") == nil)
            #expect(try await client.top(session: session, limit: 2).count == 2)
            #expect(try await client.tokens("a b c d") == 4)
            #expect(try await client.tokensEstimate(bytes: 400, type: .code, path: "/x.swift") == 100)
            #expect(try await client.metrics(session: session, format: .json) == "{\"resources\":3}")

            let details = try await client.sessionGet(session)
            #expect(details.label == "dev" && details.budget == 8000 && details.resources == 3 && details.accesses == 3 && !details.closed)
            #expect(details.halfLifeSeconds == 600)
            #expect(try await client.sessionList(limit: 10) == [session])
            try await client.sessionClose(session)
            #expect(try await client.sessionGet(session).closed)

            let token = try await client.agentCreate(name: "bot", role: .reader)
            #expect(try await client.agentList().contains { $0.name == "bot" && $0.role == "reader" && !$0.revoked })
            let bot = try await PrioritizerClient.connect(port: port, token: token)
            #expect(try await bot.whoami().role == "reader")
            try await client.agentRevoke(name: "bot")
            await #expect(throws: PrioritizerClientError.server(code: "WRONGPASS", message: "invalid token")) {
                try await bot.tokens("x")
            }
            try await bot.close()
            try await client.close()
        }
    }

    @Test func serverErrorsAreTyped() async throws {
        try await withTestServer { port, _, _ in
            let client = try await PrioritizerClient.connect(port: port, token: "agent-token")
            await #expect(throws: PrioritizerClientError.server(code: "NOSESSION", message: "no such session")) {
                try await client.sessionGet("0f8fad5b-d9cb-469f-a165-70867728950e")
            }
            await #expect(throws: PrioritizerClientError.server(code: "ERR", message: "unknown command 'NOPE', with args beginning with: ")) {
                try await client.call(["NOPE"])
            }
            await #expect(throws: PrioritizerClientError.server(code: "WRONGPASS", message: "invalid token")) {
                _ = try await PrioritizerClient.connect(port: port, token: "bogus")
            }
            // The connection survives error replies.
            #expect(try await client.ping() == "PONG")
            try await client.close()
        }
    }

    @Test func concurrentCallsArePipelinedAndAnsweredInOrder() async throws {
        try await withTestServer { port, _, _ in
            let client = try await PrioritizerClient.connect(port: port, token: "agent-token")
            let session = try await client.createSession()
            let counts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let path = index % 10 == 0 ? "slow/\(index)" : "/shared"
                        if index % 3 == 0 {
                            return (-1, try await client.ping("\(index)"))
                        }
                        return (try await client.track(session: session, path: path, type: .code, access: .view), path)
                    }
                }
                var results: [(Int, String)] = []
                for try await result in group { results.append(result) }
                return results
            }
            let shared = counts.filter { $0.1 == "/shared" }.map(\.0).sorted()
            #expect(shared == Array(1...shared.count))
            #expect(counts.filter { $0.0 == -1 }.count == 67)
            try await client.close()
        }
    }

    @Test func runnerFacadeMirrorsTheSeed() async throws {
        try await withTestServer { port, _, _ in
            let client = try await PrioritizerClient.connect(port: port, token: "agent-token")
            let runner = ResourcePrioritizationRunner(client: client)
            await #expect(throws: PrioritizerClientError.noSession) { try await runner.generateMetricsReport() }
            let id = try await runner.createSession(budget: 8000, label: "Development session")
            #expect(await runner.sessionID == id)
            try await runner.trackResourceAccess(path: "/project/src/main.ts", type: .code, access: .view, size: 1024)
            #expect(try await runner.trackResourceAccess(path: "/project/src/main.ts", type: .code, access: .edit, modified: true) == 2)
            #expect(try await runner.prioritizeResourcesForContext(tokenBudget: 3000) == ["/project/src/main.ts"])
            #expect(try await runner.getResourceImportance(path: "/project/src/main.ts") == 4)
            #expect(try await runner.countTokens("hello there") == 2)
            #expect(try await runner.generateMetricsReport().contains("Total Resources: 1"))
            try await client.close()
        }
    }

    @Test func closedConnectionFailsPendingCalls() async throws {
        try await withTestServer { port, server, _ in
            let client = try await PrioritizerClient.connect(port: port, token: "agent-token")
            server.closeAllConnections()
            try await Task.sleep(for: .milliseconds(50))
            await #expect(throws: PrioritizerClientError.connectionClosed) { try await client.ping() }
        }
    }
}
