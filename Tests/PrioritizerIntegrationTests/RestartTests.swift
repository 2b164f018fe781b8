import Foundation
import PQ
import PrioritizerClient
import Testing

/// A stop and start (new runners, empty memory, same database) changes nothing a client can see.
@Suite("Restart") struct RestartTests {
    struct Observation: Equatable {
        var details: [SessionDetails]
        var importance: [String: Double?]
        var prioritized: [String: [ContextEntry]]
        var top: [ContextEntry]
        var counts: [String: Int]
        var included: Set<String>
        var includedInReport: Int?
    }

    static let paths = ["src/app.swift", "src/model.swift", "docs/guide.md", "data/rows.csv", "notes/idea.txt", "gen/out.txt", "unknown.bin"]
    static let at = epochMs + 120_000

    static func observe(_ live: LiveServer, _ client: PrioritizerClient, sessions: [String]) async throws -> Observation {
        let main = sessions[0]
        var importance: [String: Double?] = [:]
        for path in paths + ["never.swift"] {
            importance[path] = try await client.importance(session: main, path: path, at: at)
        }
        var prioritized: [String: [ContextEntry]] = [:]
        for strategy in PrioritizerClient.Strategy.allCases {
            for budget in [150, 700, 5000] {
                prioritized["\(strategy) \(budget)"] = try await client.prioritize(
                    session: main, budget: budget, strategy: strategy, at: at, dryRun: true)
            }
            prioritized["\(strategy) limited"] = try await client.prioritize(
                session: main, budget: 5000, strategy: strategy, reserve: 100, prompt: "a prompt of a few tokens", limit: 3, at: at, dryRun: true)
        }
        var details: [SessionDetails] = []
        for session in sessions { details.append(try await client.sessionGet(session)) }
        let counts = try await live.sql()
        var accessCounts: [String: Int] = [:]
        for row in try await counts.query(
            """
            SELECT r.path, sr.access_count FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id)
            WHERE sr.session_id = \(main)::uuid
            """) {
            accessCounts[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
        }
        await counts.close()
        let json = try await client.metrics(session: main, format: .json)
        let report = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return Observation(
            details: details, importance: importance, prioritized: prioritized,
            top: try await client.top(session: main, limit: 100, at: at), counts: accessCounts,
            included: try await includedPaths(live, session: main), includedInReport: report?["included_resources"] as? Int)
    }

    /// Equal, with importance compared within 1e-9 relative.
    static func compare(_ before: Observation, _ after: Observation) {
        #expect(after.details == before.details)
        #expect(after.counts == before.counts)
        #expect(after.included == before.included)
        #expect(after.includedInReport == before.includedInReport)
        #expect(Set(after.importance.keys) == Set(before.importance.keys))
        for (path, value) in before.importance {
            switch (value, after.importance[path] ?? nil) {
            case (nil, nil): break
            case (let old?, let new?): #expect(relativelyEqual(old, new), "\(path): \(old) then \(new)")
            case (let old, let new): Issue.record("\(path): \(String(describing: old)) then \(String(describing: new))")
            }
        }
        func same(_ a: [ContextEntry], _ b: [ContextEntry], _ note: String) {
            #expect(a.map(\.path) == b.map(\.path), "\(note)")
            #expect(a.map(\.tokens) == b.map(\.tokens), "\(note)")
            for (x, y) in zip(a, b) { #expect(relativelyEqual(x.importance, y.importance), "\(note) \(x.path)") }
        }
        #expect(Set(after.prioritized.keys) == Set(before.prioritized.keys))
        for (key, entries) in before.prioritized { same(entries, after.prioritized[key] ?? [], key) }
        same(before.top, after.top, "TOP")
    }

    @Test func restartKeepsCountsImportanceAndAnswers() async throws {
        try await LiveServer.with { live in
            var client = try await live.client(live.acme.token)
            let main = try await client.createSession(budget: 4000, label: "main", halfLife: 90, encoding: .cl100kBase)
            let plan: [(String, PrioritizerClient.ResourceType, PrioritizerClient.AccessType, Int?, String?, Bool)] = [
                ("src/app.swift", .code, .edit, nil, "import Foundation\nlet app = App()\napp.run()\n", true),
                ("src/app.swift", .code, .view, nil, nil, false),
                ("src/model.swift", .code, .view, 300, nil, false),
                ("docs/guide.md", .documentation, .reference, nil, nil, false),
                ("src/model.swift", .code, .execute, nil, nil, false),
                ("data/rows.csv", .data, .view, nil, nil, false),
                ("notes/idea.txt", .research, .edit, 90, nil, true),
                ("gen/out.txt", .generated, .reference, 15, nil, false),
                ("src/app.swift", .code, .edit, nil, nil, false),
                ("unknown.bin", .data, .edit, nil, nil, false),
                ("docs/guide.md", .documentation, .view, nil, nil, false),
            ]
            // Events out of order in time, some with sizes only.
            var times: [Int64] = (0..<plan.count).map { epochMs + Int64($0) * 4_000 }
            times.swapAt(2, 7)
            times.swapAt(4, 9)
            for (index, (path, type, access, tokens, content, modified)) in plan.enumerated() {
                let size: Int? = (path == "docs/guide.md" || path == "data/rows.csv") && index < 6 ? 2048 : nil
                try await client.track(
                    session: main, path: path, type: type, access: access, size: size, tokens: tokens, content: content,
                    modified: modified, at: times[index])
            }
            // A non-DRYRUN run marks a chosen set, a child session, a closed session.
            let chosen = try await client.prioritize(session: main, budget: 400, at: Self.at)
            #expect(!chosen.isEmpty)
            let child = try await client.createSession(label: "child", halfLife: 90, parent: main)
            try await client.track(session: child, path: "src/app.swift", type: .code, access: .view, at: epochMs + 60_000)
            let closed = try await client.createSession(label: "closed")
            try await client.track(session: closed, path: "x", type: .code, access: .view, tokens: 1)
            try await client.sessionClose(closed)

            // A burst of pipelined TRACKs right before the stop: all acknowledged, so all kept.
            let burst = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<300 {
                    group.addTask { [client] in
                        Int(try await client.send(["TRACK", child, "burst.swift", "CODE", "VIEW", "TOKENS", "7", "AT", String(epochMs + 70_000)]).integer ?? -1)
                    }
                }
                var all: [Int] = []
                for try await value in group { all.append(value) }
                return all
            }
            #expect(burst.sorted() == Array(1...300))

            let sessions = [main, child, closed]
            let before = try await Self.observe(live, client, sessions: sessions)
            #expect(before.included == Set(chosen.map(\.path)))
            let listBefore = try await client.sessionList()
            try await client.close()

            try await live.restart()

            client = try await live.client(live.acme.token)
            let after = try await Self.observe(live, client, sessions: sessions)
            Self.compare(before, after)
            #expect(try await client.sessionList() == listBefore)
            #expect(await errorLine { try await client.track(session: closed, path: "x", type: .code, access: .view) } == "ERR session is closed")

            // Tracking continues from the persisted counts.
            for (path, count) in before.counts.sorted(by: { $0.key < $1.key }) {
                let type = plan.first { $0.0 == path }?.1 ?? .code
                #expect(try await client.track(session: main, path: path, type: type, access: .view, at: Self.at) == count + 1, "\(path)")
            }
            #expect(try await client.track(session: child, path: "burst.swift", type: .code, access: .view) == 301)
            #expect(try await client.track(session: child, path: "src/app.swift", type: .code, access: .view) == (before.counts["src/app.swift"] ?? 0) + 2)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(child)::uuid") == 303)
            try await client.close()
        }
    }

    @Test func restartTwiceWithTrackingInBetween() async throws {
        try await LiveServer.with { live in
            var client = try await live.client(live.acme.token)
            let session = try await client.createSession(halfLife: 30)
            for index in 0..<20 {
                try await client.track(session: session, path: "f\(index % 4)", type: .code, access: index % 2 == 0 ? .edit : .view,
                                       tokens: 10 * (index % 4 + 1), at: epochMs + Int64(index) * 1000)
            }
            for round in 1...2 {
                let before = try await Self.observe(live, client, sessions: [session])
                try await client.close()
                try await live.restart()
                client = try await live.client(live.acme.token)
                let after = try await Self.observe(live, client, sessions: [session])
                Self.compare(before, after)
                #expect(try await client.track(session: session, path: "f0", type: .code, access: .view, at: epochMs + 30_000 + Int64(round))
                    == (before.counts["f0"] ?? 0) + 1)
            }
            try await client.close()
        }
    }

    /// A recorded PRIORITIZE's LIMIT is stored with its run (migrations/0017): the report of a
    /// session reloaded from the database names it too. Before, it was kept only in memory, and
    /// the reloaded report showed the run without it.
    @Test func aRunsLimitOutlivesARestart() async throws {
        try await LiveServer.with { live in
            var client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            for path in ["a", "b", "c"] {
                try await client.track(session: session, path: path, type: .code, access: .view, tokens: 10, at: epochMs)
            }
            let chosen = try await client.prioritize(session: session, budget: 1000, limit: 2, at: epochMs)
            #expect(chosen.count == 2)
            #expect(try await client.metrics(session: session).contains("- Budget: 1000 tokens, limit 2"))
            #expect(try await live.count(
                "SELECT count(*) FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid AND resource_limit = 2") == 1)
            try await client.close()
            try await live.restart()
            client = try await live.client(live.acme.token)
            #expect(try await client.metrics(session: session).contains("- Budget: 1000 tokens, limit 2"))
            try await client.close()
        }
    }
}
