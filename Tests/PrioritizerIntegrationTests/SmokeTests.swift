import Foundation
import PQ
import PrioritizerClient
import Testing

@Suite("Live server smoke") struct SmokeTests {
    @Test func trackPrioritizeAndPersist() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(budget: 8000, label: "smoke")
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 100) == 1)
            #expect(try await client.track(session: session, path: "a.swift", type: .code, access: .edit, tokens: 100, modified: true) == 2)
            let chosen = try await client.prioritize(session: session, budget: 1000)
            #expect(chosen.map(\.path) == ["a.swift"])
            let sql = try await live.sql()
            let logs = try await sql.query("SELECT count(*) FROM prioritizer.access_logs")[0].decode(0, as: Int.self)
            #expect(logs == 2)
            try await client.close()
        }
    }
}
