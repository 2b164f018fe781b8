import Foundation
import Prioritization
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing

/// A TRACK's long CONTENT and a PRIORITIZE's long PROMPT are counted (and the CONTENT hashed)
/// off the event loops, which also run the session runners: other connections keep being
/// answered meanwhile. Before, the count ran on the runner, so one loop answered nothing until it
/// was done. `prioritizer serve` runs Swift concurrency on the event loops, so these run it as a
/// process (an in-process server keeps the runtime's own threads).
@Suite("Long texts are counted off the event loops") struct LongTextOffTheLoopsTests {
    /// Source-like text of `bytes` bytes, different on every line.
    static func text(bytes: Int) -> String {
        var text = ""
        text.reserveCapacity(bytes + 64)
        var line = 0
        while text.utf8.count < bytes {
            text += "let value\(line) = compute(\(line), \"item \(line)\") // line \(line)\n"
            line += 1
        }
        return text
    }

    /// `request` on one connection while eight others send PING after PING: the longest PING
    /// round trip, and how long `request` took.
    static func pingsDuring(
        _ request: @escaping @Sendable () async throws -> Void, port: Int, token: String
    ) async throws -> (longestPing: Duration, request: Duration) {
        var pingers: [PrioritizerClient] = []
        for _ in 0..<8 { pingers.append(try await PrioritizerClient.connect(port: port, token: token)) }
        let done = ManagedFlag()
        let started = ContinuousClock.now
        async let work: Duration = {
            try await request()
            done.set()
            return ContinuousClock.now - started
        }()
        let longest = try await withThrowingTaskGroup(of: Duration.self) { group in
            for pinger in pingers {
                group.addTask {
                    var longest = Duration.zero
                    while !done.value {
                        let sent = ContinuousClock.now
                        _ = try await pinger.ping()
                        longest = max(longest, ContinuousClock.now - sent)
                    }
                    return longest
                }
            }
            return try await group.reduce(Duration.zero) { max($0, $1) }
        }
        let took = try await work
        for pinger in pingers { try await pinger.close() }
        return (longest, took)
    }

    /// `body` with a client of a `serve` process on a fresh database, its port and token.
    static func withServe(_ body: (PrioritizerClient, Int, String, TestDatabase) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            let (_, acme) = try await store.createOrganization(name: "acme")
            await store.pool.close()
            let server = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "1"])
            do {
                let client = try await PrioritizerClient.connect(port: server.port, token: acme.token)
                try await body(client, server.port, acme.token, database)
                try await client.close()
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    /// Whether, in one of `attempts` runs of `request`, no PING waited half as long as it took.
    /// With the count on a loop, the connections of that loop wait about as long as the request
    /// in every run; with it off the loops they wait milliseconds, unless the machine is starved
    /// (the whole suite runs on two cores), which a later attempt rides out.
    static func answeredDuring(
        attempts: Int = 3, _ request: @escaping @Sendable () async throws -> Void, port: Int, token: String
    ) async throws -> Bool {
        var seen: [String] = []
        for _ in 0..<attempts {
            let (longest, took) = try await pingsDuring(request, port: port, token: token)
            if longest * 2 < took { return true }
            seen.append("a PING waited \(longest) during a request of \(took)")
        }
        Issue.record("\(seen.joined(separator: "; "))")
        return false
    }

    @Test func aLongContentIsCountedWhileOtherConnectionsAreAnswered() async throws {
        try await Self.withServe { client, port, token, database in
            let session = try await client.createSession(label: "long content")
            let content = Self.text(bytes: 8 * 1024 * 1024)
            let answered = try await Self.answeredDuring({ () async throws in
                // CONTENT takes precedence over TOKENS, counted off the loops as in place.
                #expect(try await client.track(session: session, path: "big.swift", type: .code, access: .view, tokens: 5, content: content) > 0)
            }, port: port, token: token)
            #expect(answered)
            // The count the CONTENT gave, as TOKENS counts it (off the loops too), and its digest.
            let tokens = try await client.tokens(content)
            #expect(try await client.top(session: session).map(\.tokens) == [tokens])
            let sql = try await database.connect()
            let digests = try await sql.query(
                "SELECT encode(content_sha256, 'hex') FROM prioritizer.resources WHERE path = 'big.swift'")
            #expect(try digests.map { try $0.decode(0, as: String.self) } == [SHA256Digest.hash(Array(content.utf8)).map { String(format: "%02x", $0) }.joined()])
            await sql.close()
        }
    }

    @Test func aLongPromptIsCountedWhileOtherConnectionsAreAnswered() async throws {
        try await Self.withServe { client, port, token, _ in
            let session = try await client.createSession(label: "long prompt")
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10) == 1)
            let prompt = Self.text(bytes: 4 * 1024 * 1024)
            let promptTokens = try await client.tokens(prompt)
            let answered = try await Self.answeredDuring({ () async throws in
                // The prompt leaves exactly the 10 tokens a.swift needs.
                let chosen = try await client.prioritize(session: session, budget: promptTokens + 10, prompt: prompt, dryRun: true)
                #expect(chosen.map(\.path) == ["a.swift"])
                let none = try await client.prioritize(session: session, budget: promptTokens + 9, prompt: prompt, dryRun: true)
                #expect(none.isEmpty)
            }, port: port, token: token)
            #expect(answered)
        }
    }
}

/// A flag one task sets and others poll.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false

    func set() { lock.withLock { isSet = true } }
    var value: Bool { lock.withLock { isSet } }
}
