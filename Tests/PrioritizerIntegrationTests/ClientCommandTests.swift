import Foundation
import PQ
import PrioritizerClient
import PrioritizerStore
import Testing

/// Every SPEC command and error code through `PrioritizerClient`, against a live server.
@Suite("Commands through PrioritizerClient") struct ClientCommandTests {
    // MARK: Sessions

    @Test func sessionCreateGetListClose() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let first = try await client.createSession(budget: 5000, label: "first", halfLife: 600, encoding: .cl100kBase)
            let after = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(first == first.lowercased())
            #expect(UUID(uuidString: first) != nil)

            let details = try await client.sessionGet(first)
            #expect(details.id == first)
            #expect(details.label == "first")
            #expect(details.budget == 5000)
            #expect(details.halfLifeSeconds == 600)
            #expect(details.parent == nil)
            #expect(details.agent == "admin")
            #expect(details.closed == false)
            #expect(details.resources == 0)
            #expect(details.accesses == 0)
            let created = try #require(details.createdAt)
            #expect(created >= before - 1000 && created <= after + 1000)

            // The map carries exactly SPEC's fields.
            let raw = try await client.call(["SESSION.GET", first])
            let keys = Set(try #require(raw.dictionary).keys)
            #expect(keys == ["id", "label", "budget", "halflife", "parent", "agent", "created_at", "closed", "resources", "accesses"])

            // Defaults: a bare SESSION.CREATE works.
            let bare = try await client.createSession()
            let bareDetails = try await client.sessionGet(bare)
            #expect(bareDetails.label == nil)
            #expect(bareDetails.closed == false)
            #expect((bareDetails.halfLifeSeconds ?? 0) > 0)

            // SESSION.LIST: newest first, LIMIT.
            var ids = [first, bare]
            for index in 0..<4 { ids.append(try await client.createSession(label: "s\(index)")) }
            let newestFirst = Array(ids.reversed())
            #expect(try await client.sessionList() == newestFirst)
            #expect(try await client.sessionList(limit: 2) == Array(newestFirst.prefix(2)))
            #expect(try await client.sessionList(limit: 1) == [ids.last!])

            // SESSION.CLOSE: later TRACKs are refused, nothing logged for them.
            #expect(try await client.track(session: first, path: "a.swift", type: .code, access: .view, tokens: 10) == 1)
            try await client.sessionClose(first)
            #expect(try await client.sessionGet(first).closed == true)
            #expect(await errorLine { try await client.track(session: first, path: "a.swift", type: .code, access: .view) }
                == "ERR session is closed")
            #expect(await errorLine { try await client.track(session: first, path: "b.swift", type: .code, access: .edit) }
                == "ERR session is closed")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(first)::uuid") == 1)
            // Still readable.
            #expect(try await client.sessionGet(first).accesses == 1)
            try await client.close()
        }
    }

    @Test func sessionParentStartsFromParentsState() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let parent = try await client.createSession(budget: 1000, label: "parent", halfLife: 120)
            #expect(try await client.track(session: parent, path: "a.swift", type: .code, access: .view, tokens: 100, at: epochMs) == 1)
            #expect(try await client.track(session: parent, path: "a.swift", type: .code, access: .edit, tokens: 100, modified: true, at: epochMs + 1000) == 2)
            #expect(try await client.track(session: parent, path: "b.md", type: .documentation, access: .reference, tokens: 50, at: epochMs + 2000) == 1)
            let at = epochMs + 30_000
            let parentA = try #require(try await client.importance(session: parent, path: "a.swift", at: at))
            let parentB = try #require(try await client.importance(session: parent, path: "b.md", at: at))
            let parentTop = try await client.top(session: parent, limit: 10, at: at)

            let child = try await client.createSession(label: "child", halfLife: 120, parent: parent)
            let childDetails = try await client.sessionGet(child)
            #expect(childDetails.parent == parent)
            #expect(childDetails.resources == 2)
            let childA = try #require(try await client.importance(session: child, path: "a.swift", at: at))
            let childB = try #require(try await client.importance(session: child, path: "b.md", at: at))
            #expect(relativelyEqual(childA, parentA))
            #expect(relativelyEqual(childB, parentB))
            let childTop = try await client.top(session: child, limit: 10, at: at)
            #expect(childTop.map(\.path) == parentTop.map(\.path))
            #expect(childTop.map(\.tokens) == parentTop.map(\.tokens))

            // Counts carry over; the parent is not affected by the child's tracking.
            #expect(try await client.track(session: child, path: "a.swift", type: .code, access: .view, at: epochMs + 3000) == 3)
            #expect(try await client.track(session: child, path: "b.md", type: .documentation, access: .view, at: epochMs + 3000) == 2)
            #expect(try await client.importance(session: parent, path: "a.swift", at: at).map { relativelyEqual($0, parentA) } == true)
            #expect(try await client.track(session: parent, path: "a.swift", type: .code, access: .view, at: epochMs + 4000) == 3)

            // An unknown parent is NOSESSION.
            #expect(await errorLine { try await client.createSession(parent: UUID().uuidString.lowercased()) } == noSession)
            try await client.close()
        }
    }

    // MARK: Tracking

    @Test func trackTokenSourcesModifiedAndAt() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let text = "emoji 😀🎉👍🏽 family 👨‍👩‍👧‍👦\nfunc main() { print(\"héllo\") }\n"
            for encoding in [PrioritizerClient.Encoding.o200kBase, .cl100kBase] {
                let session = try await client.createSession(encoding: encoding)
                // CONTENT: exact, with the session's encoding.
                #expect(try await client.track(session: session, path: "content.swift", type: .code, access: .view, content: text) == 1)
                // TOKENS as stated.
                #expect(try await client.track(session: session, path: "stated.md", type: .documentation, access: .view, tokens: 321) == 1)
                // SIZE: the estimate TOKENS.ESTIMATE gives for that size, type and path.
                #expect(try await client.track(session: session, path: "sized.json", type: .data, access: .view, size: 4000) == 1)
                // Nothing: unknown.
                #expect(try await client.track(session: session, path: "unknown.txt", type: .research, access: .view) == 1)

                let exact = try await client.tokens(text, encoding: encoding)
                let estimate = try await client.tokensEstimate(bytes: 4000, type: .data, path: "sized.json")
                var tokens = Dictionary(uniqueKeysWithValues: try await client.top(session: session, limit: 100).map { ($0.path, $0.tokens) })
                #expect(tokens["content.swift"] == exact)
                #expect(tokens["stated.md"] == 321)
                #expect(tokens["sized.json"] == estimate)

                // Without a new source, the last known count stays; a new source replaces it.
                #expect(try await client.track(session: session, path: "content.swift", type: .code, access: .edit) == 2)
                #expect(try await client.track(session: session, path: "stated.md", type: .documentation, access: .edit, tokens: 7) == 2)
                tokens = Dictionary(uniqueKeysWithValues: try await client.top(session: session, limit: 100).map { ($0.path, $0.tokens) })
                #expect(tokens["content.swift"] == exact)
                #expect(tokens["stated.md"] == 7)

                // The unknown one is never chosen, however large the budget.
                let chosen = try await client.prioritize(session: session, budget: 1_000_000, dryRun: true)
                #expect(!chosen.map(\.path).contains("unknown.txt"))
                #expect(Set(chosen.map(\.path)) == ["content.swift", "stated.md", "sized.json"])
            }
            #expect(try await client.tokens(text, encoding: .o200kBase) != (try await client.tokens(text, encoding: .cl100kBase)))
            // What is kept of CONTENT is its SHA-256, the digest PostgreSQL computes of the same UTF-8.
            #expect(try await live.count("""
                SELECT count(*) FROM prioritizer.resources
                WHERE path = 'content.swift' AND content_sha256 = sha256(convert_to(\(text), 'UTF8'))
                """) == 1)
            try await client.close()
        }
    }

    /// SPEC's last resort for a TRACK with no CONTENT, TOKENS or SIZE: the last known count, here
    /// the organization's, which another session reported, for a resource new to the session.
    @Test func aResourceNewToTheSessionTakesTheOrganizationsLastKnownCount() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let first = try await client.createSession()
            #expect(try await client.track(session: first, path: "shared.swift", type: .code, access: .view, tokens: 700) == 1)
            let second = try await client.createSession()
            #expect(try await client.track(session: second, path: "shared.swift", type: .code, access: .reference) == 1)
            #expect(try await client.track(session: second, path: "never-counted.md", type: .documentation, access: .view) == 1)
            let tokens = Dictionary(uniqueKeysWithValues: try await client.top(session: second, limit: 10).map { ($0.path, $0.tokens) })
            #expect(tokens["shared.swift"] == 700)
            let chosen = try await client.prioritize(session: second, budget: 10_000, dryRun: true)
            #expect(chosen.map(\.path) == ["shared.swift"], "nothing counts never-counted.md")
            #expect(try await live.count(
                "SELECT sr.token_count FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id) WHERE sr.session_id = \(second)::uuid AND r.path = 'shared.swift'") == 700)
            try await client.close()
        }
    }

    @Test func trackModifiedAndOutOfOrderEvents() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(halfLife: 60)
            // MODIFIED: same accesses, the modified one weighs more, and the row says so.
            try await client.track(session: session, path: "plain.swift", type: .code, access: .edit, tokens: 10, at: epochMs)
            try await client.track(session: session, path: "changed.swift", type: .code, access: .edit, tokens: 10, modified: true, at: epochMs)
            let plain = try #require(try await client.importance(session: session, path: "plain.swift", at: epochMs + 1000))
            let changed = try #require(try await client.importance(session: session, path: "changed.swift", at: epochMs + 1000))
            #expect(changed > plain)
            let modifiedRows = try await live.count(
                """
                SELECT count(*) FROM prioritizer.session_resources sr JOIN prioritizer.resources r USING (org_id, resource_id)
                WHERE sr.session_id = \(session)::uuid AND sr.modified AND r.path = 'changed.swift'
                """)
            #expect(modifiedRows == 1)

            // Weights: EDIT > VIEW > REFERENCE for one access at the same time.
            for (path, access) in [("e", PrioritizerClient.AccessType.edit), ("v", .view), ("r", .reference)] {
                try await client.track(session: session, path: path, type: .code, access: access, tokens: 1, at: epochMs)
            }
            let e = try #require(try await client.importance(session: session, path: "e", at: epochMs))
            let v = try #require(try await client.importance(session: session, path: "v", at: epochMs))
            let r = try #require(try await client.importance(session: session, path: "r", at: epochMs))
            #expect(e > v && v > r)

            // AT: the same events out of order give the same importance as in order.
            let times: [(Int64, PrioritizerClient.AccessType)] = [(epochMs, .view), (epochMs + 7_000, .edit), (epochMs + 20_000, .reference), (epochMs + 45_000, .execute)]
            for (at, access) in times {
                try await client.track(session: session, path: "ordered", type: .code, access: access, tokens: 5, at: at)
            }
            for index in [2, 0, 3, 1] {
                try await client.track(session: session, path: "shuffled", type: .code, access: times[index].1, tokens: 5, at: times[index].0)
            }
            for probe in [epochMs + 50_000, epochMs + 3_600_000] {
                let ordered = try #require(try await client.importance(session: session, path: "ordered", at: probe))
                let shuffled = try #require(try await client.importance(session: session, path: "shuffled", at: probe))
                #expect(relativelyEqual(ordered, shuffled), "\(ordered) vs \(shuffled)")
            }
            // Decay: later means less.
            let soon = try #require(try await client.importance(session: session, path: "ordered", at: epochMs + 50_000))
            let later = try #require(try await client.importance(session: session, path: "ordered", at: epochMs + 110_000))
            #expect(later < soon && later > 0)
            // Never underflows to zero, however old.
            let ancient = try #require(try await client.importance(session: session, path: "ordered", at: epochMs + 100 * 365 * 86_400_000))
            #expect(ancient >= 0)
            let topFarAway = try await client.top(session: session, limit: 3, at: epochMs + 100 * 365 * 86_400_000)
            #expect(topFarAway.count == 3)
            try await client.close()
        }
    }

    // MARK: Prioritization

    /// Ten resources with known counts and two with unknown counts (tracked the most), all at fixed times.
    static func seedPrioritizationSession(_ client: PrioritizerClient) async throws -> String {
        let session = try await client.createSession(budget: 1000, halfLife: 300)
        let plan: [(String, PrioritizerClient.ResourceType, [PrioritizerClient.AccessType], Int?)] = [
            ("a.swift", .code, [.edit, .edit, .edit], 600),
            ("b.swift", .code, [.edit, .edit], 400),
            ("c.swift", .code, [.edit, .view], 380),
            ("d.md", .documentation, [.view, .view, .view], 300),
            ("e.md", .documentation, [.view], 100),
            ("f.json", .data, [.reference], 50),
            ("g.sh", .code, [.execute, .execute], 250),
            ("h.txt", .research, [.view, .edit], 700),
            ("i.out", .generated, [.reference, .reference], 30),
            ("j.swift", .code, [.view, .reference], 170),
            ("unknown1.swift", .code, [.edit, .edit, .edit, .edit, .edit], nil),
            ("unknown2.md", .documentation, [.edit, .edit, .edit, .edit], nil),
        ]
        var at = epochMs
        for (path, type, accesses, tokens) in plan {
            for access in accesses {
                at += 500
                try await client.track(session: session, path: path, type: type, access: access, tokens: tokens, at: at)
            }
        }
        return session
    }

    static let evaluatedAt = epochMs + 60_000
    static let unknownPaths: Set<String> = ["unknown1.swift", "unknown2.md"]

    @Test func prioritizeStrategiesBudgetsAndLimits() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await Self.seedPrioritizationSession(client)
            let at = Self.evaluatedAt
            let all = try await client.top(session: session, limit: 100, at: at)
            #expect(all.count == 12)
            // Importance descending, then path ascending.
            for (left, right) in zip(all, all.dropFirst()) {
                #expect(left.importance > right.importance || (left.importance == right.importance && left.path < right.path))
            }
            let known = all.filter { !Self.unknownPaths.contains($0.path) }
            let tokensByPath = Dictionary(uniqueKeysWithValues: known.map { ($0.path, $0.tokens) })
            let importanceByPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0.importance) })
            // The unknown ones are the most important, and still never chosen.
            #expect(Self.unknownPaths.isSubset(of: Set(all.prefix(2).map(\.path))))

            func check(_ chosen: [ContextEntry], budget: Int, limit: Int = .max, _ note: String) {
                let total = chosen.reduce(0) { $0 + $1.tokens }
                #expect(total <= max(budget, 0), "\(note): \(total) > \(budget)")
                #expect(chosen.count <= limit, "\(note): \(chosen.count) > \(limit)")
                #expect(Set(chosen.map(\.path)).isDisjoint(with: Self.unknownPaths), "\(note): chose an unknown count")
                #expect(Set(chosen.map(\.path)).count == chosen.count, "\(note): duplicates")
                for entry in chosen {
                    #expect(tokensByPath[entry.path] == entry.tokens, "\(note): \(entry.path) tokens")
                    #expect(importanceByPath[entry.path].map { relativelyEqual($0, entry.importance) } == true, "\(note): \(entry.path) importance")
                }
                for (left, right) in zip(chosen, chosen.dropFirst()) {
                    #expect(left.importance > right.importance || (left.importance == right.importance && left.path < right.path), "\(note): order")
                }
            }
            func greedy(_ budget: Int, limit: Int = .max) -> [String] {
                var left = budget, picked: [String] = []
                for entry in known where picked.count < limit && entry.tokens <= left {
                    picked.append(entry.path)
                    left -= entry.tokens
                }
                return picked
            }

            for budget in [0, 29, 30, 100, 333, 1000, 1500, 2999, 10_000] {
                let optimal = try await client.prioritize(session: session, budget: budget, strategy: .optimal, at: at, dryRun: true)
                check(optimal, budget: budget, "optimal \(budget)")
                let best = bruteForceBest(known, budget: budget)
                #expect(relativelyEqual(optimal.reduce(0) { $0 + $1.importance }, best), "optimal \(budget) is not the optimum")
                // The default strategy is optimal.
                let byDefault = try await client.prioritize(session: session, budget: budget, at: at, dryRun: true)
                #expect(byDefault.map(\.path) == optimal.map(\.path))

                let greedyChosen = try await client.prioritize(session: session, budget: budget, strategy: .greedy, at: at, dryRun: true)
                check(greedyChosen, budget: budget, "greedy \(budget)")
                #expect(Set(greedyChosen.map(\.path)) == Set(greedy(budget)), "greedy \(budget)")

                let density = try await client.prioritize(session: session, budget: budget, strategy: .density, at: at, dryRun: true)
                check(density, budget: budget, "density \(budget)")
                #expect(density.reduce(0) { $0 + $1.importance } <= best * (1 + 1e-9))
            }
            // With this plan optimal beats greedy at budget 1000 (greedy takes a.swift + b.swift).
            let optimalThousand = try await client.prioritize(session: session, budget: 1000, at: at, dryRun: true)
            let greedyThousand = try await client.prioritize(session: session, budget: 1000, strategy: .greedy, at: at, dryRun: true)
            #expect(optimalThousand.reduce(0) { $0 + $1.importance } >= greedyThousand.reduce(0) { $0 + $1.importance })

            // LIMIT: the optimum under both bounds.
            for limit in [0, 1, 2, 3, 5] {
                for budget in [500, 1000, 3000] {
                    let chosen = try await client.prioritize(session: session, budget: budget, limit: limit, at: at, dryRun: true)
                    check(chosen, budget: budget, limit: limit, "optimal \(budget) limit \(limit)")
                    #expect(relativelyEqual(chosen.reduce(0) { $0 + $1.importance }, bruteForceBest(known, budget: budget, limit: limit)),
                            "optimal \(budget) limit \(limit) is not the optimum")
                    let greedyChosen = try await client.prioritize(session: session, budget: budget, strategy: .greedy, limit: limit, at: at, dryRun: true)
                    check(greedyChosen, budget: budget, limit: limit, "greedy \(budget) limit \(limit)")
                    let density = try await client.prioritize(session: session, budget: budget, strategy: .density, limit: limit, at: at, dryRun: true)
                    check(density, budget: budget, limit: limit, "density \(budget) limit \(limit)")
                }
            }

            // RESERVE and PROMPT come off the budget.
            let prompt = "Summarize the failing tests and propose a fix for the tokenizer."
            let promptTokens = try await client.tokens(prompt)
            #expect(promptTokens > 0)
            for strategy in PrioritizerClient.Strategy.allCases {
                for (budget, reserve) in [(1000, 0), (1000, 200), (1200, 500), (800, 799), (500, 600)] {
                    let resourceBudget = budget - reserve - promptTokens
                    let chosen = try await client.prioritize(
                        session: session, budget: budget, strategy: strategy, reserve: reserve, prompt: prompt, at: at, dryRun: true)
                    check(chosen, budget: resourceBudget, "\(strategy) \(budget) reserve \(reserve) + prompt")
                    if strategy == .optimal {
                        #expect(relativelyEqual(chosen.reduce(0) { $0 + $1.importance }, bruteForceBest(known, budget: max(resourceBudget, 0))))
                    }
                }
            }
            // Strategy words are case-insensitive.
            let lower = try await client.call(["PRIORITIZE", session, "1000", "STRATEGY", "greedy", "AT", String(at), "DRYRUN"])
            #expect(lower.elements?.count == greedyThousand.count)
            try await client.close()
        }
    }

    /// RESERVE (and the prompt) past the budget leave a negative resource budget: nothing is
    /// chosen, not even an empty file, and the run records that budget. Before, it was clamped
    /// to 0, which still took the 0-token resources.
    @Test func aReserveBeyondTheBudgetChoosesNothing() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(label: "over-reserved")
            try await client.track(session: session, path: "pkg/__init__.py", type: .code, access: .edit, tokens: 0)
            try await client.track(session: session, path: "pkg/main.py", type: .code, access: .view, tokens: 500)
            for strategy in PrioritizerClient.Strategy.allCases {
                let chosen = try await client.prioritize(session: session, budget: 100, strategy: strategy, reserve: 200, dryRun: true)
                #expect(chosen.isEmpty, "\(strategy): \(chosen)")
            }
            #expect(try await client.prioritize(session: session, budget: 100, reserve: 200).isEmpty)
            let recorded = try await live.count(
                "SELECT resource_budget FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid")
            #expect(recorded == -100)
            // Within the budget the empty file rides along as before.
            #expect(try await client.prioritize(session: session, budget: 100, dryRun: true).map(\.path) == ["pkg/__init__.py"])
            try await client.close()
        }
    }

    @Test func prioritizeRecordsRunsAndMarksIncluded() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await Self.seedPrioritizationSession(client)
            let at = Self.evaluatedAt
            let runs: PQQuery = "SELECT count(*) FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid"

            // DRYRUN: no run, nothing marked.
            _ = try await client.prioritize(session: session, budget: 1000, at: at, dryRun: true)
            _ = try await client.prioritize(session: session, budget: 2000, strategy: .greedy, at: at, dryRun: true)
            #expect(try await live.count(runs) == 0)
            #expect(try await includedPaths(live, session: session).isEmpty)

            // A run: recorded, exactly the chosen set marked.
            let wide = try await client.prioritize(session: session, budget: 2000, at: at)
            #expect(wide.count > 1)
            #expect(try await live.count(runs) == 1)
            #expect(try await includedPaths(live, session: session) == Set(wide.map(\.path)))
            let recorded = try await live.sql()
            let row = try await recorded.query(
                """
                SELECT strategy, budget, chosen_count, chosen_tokens, chosen_paths FROM prioritizer.prioritization_runs
                WHERE session_id = \(session)::uuid
                """)[0]
            #expect(try row.decode(0, as: String.self) == "optimal")
            #expect(try row.decode(1, as: Int.self) == 2000)
            #expect(try row.decode(2, as: Int.self) == wide.count)
            #expect(try row.decode(3, as: Int.self) == wide.reduce(0) { $0 + $1.tokens })
            #expect(Set(try row.decode(4, as: [String].self)) == Set(wide.map(\.path)))
            await recorded.close()

            // The report counts the latest run's chosen set.
            var json = try await client.metrics(session: session, format: .json)
            var report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(report["included_resources"] as? Int == wide.count)
            #expect(report["included_tokens"] as? Int == wide.reduce(0) { $0 + $1.tokens })

            // A narrower run replaces the mark: exactly the new chosen set.
            let narrow = try await client.prioritize(session: session, budget: 120, strategy: .density, at: at)
            #expect(narrow.count >= 1 && narrow.count < wide.count)
            #expect(try await live.count(runs) == 2)
            #expect(try await includedPaths(live, session: session) == Set(narrow.map(\.path)))

            json = try await client.metrics(session: session, format: .json)
            report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(report["included_resources"] as? Int == narrow.count)
            // A DRYRUN afterwards changes neither the marks nor the report.
            _ = try await client.prioritize(session: session, budget: 5000, at: at, dryRun: true)
            #expect(try await includedPaths(live, session: session) == Set(narrow.map(\.path)))
            #expect(try await live.count(runs) == 2)
            let markdown = try await client.metrics(session: session)
            #expect(markdown.contains("Included in Context: \(narrow.count)"))
            let explicitMarkdown = try await client.metrics(session: session, format: .markdown)
            #expect(explicitMarkdown.contains("Included in Context: \(narrow.count)"))

            // A run that chooses nothing clears the mark.
            let none = try await client.prioritize(session: session, budget: 0, at: at)
            #expect(none.isEmpty)
            #expect(try await includedPaths(live, session: session).isEmpty)
            #expect(try await live.count(runs) == 3)
            try await client.close()
        }
    }

    @Test func importanceTopTokensAndEstimate() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await Self.seedPrioritizationSession(client)
            let at = Self.evaluatedAt
            #expect(try await client.importance(session: session, path: "never-tracked.swift") == nil)
            #expect(try await client.importance(session: session, path: "never-tracked.swift", at: at) == nil)
            let all = try await client.top(session: session, limit: 100, at: at)
            for entry in all {
                let importance = try #require(try await client.importance(session: session, path: entry.path, at: at))
                #expect(relativelyEqual(importance, entry.importance))
            }
            #expect(try await client.top(session: session, limit: 3, at: at) == Array(all.prefix(3)))
            #expect(try await client.top(session: session, at: at).count == 10)
            #expect(try await client.top(session: session, limit: 1000, at: at).count == 12)

            // TOKENS: tiktoken's counts (from the tokenizer fixtures).
            let emoji = "emoji 😀🎉👍🏽 family 👨‍👩‍👧‍👦"
            #expect(try await client.tokens(emoji) == 19)
            #expect(try await client.tokens(emoji, encoding: .o200kBase) == 19)
            #expect(try await client.tokens(emoji, encoding: .cl100kBase) == 29)
            #expect(try await client.tokens("") == 0)
            #expect(try await client.tokens("  ") == 1)
            #expect(try await client.call(["TOKENS", "hello", "ENCODING", "CL100K_BASE"]).integer == 1)

            // TOKENS.ESTIMATE: positive, grows with the size.
            let small = try await client.tokensEstimate(bytes: 400, type: .code)
            let large = try await client.tokensEstimate(bytes: 40_000, type: .code)
            #expect(small > 0 && large > small)
            #expect(try await client.tokensEstimate(bytes: 0, type: .documentation) >= 0)
            #expect(try await client.tokensEstimate(bytes: 4000, type: .data, path: "x.json") > 0)
            try await client.close()
        }
    }

    // MARK: Agents

    @Test func agentAdministrationAndWhoami() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let me = try await admin.whoami()
            #expect(me == ClientIdentity(organization: "acme", agent: "admin", role: "admin"))

            let workerToken = try await admin.agentCreate(name: "worker")
            let readerToken = try await admin.agentCreate(name: "watcher", role: .reader)
            let bossToken = try await admin.agentCreate(name: "boss", role: .admin)
            #expect(Set([workerToken, readerToken, bossToken]).count == 3)

            let list = try await admin.agentList()
            let byName = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
            #expect(Set(byName.keys) == ["admin", "worker", "watcher", "boss"])
            #expect(byName["worker"]?.role == "agent")
            #expect(byName["watcher"]?.role == "reader")
            #expect(byName["boss"]?.role == "admin")
            #expect(list.allSatisfy { !$0.revoked && $0.createdAt != nil })

            let worker = try await live.client(workerToken)
            #expect(try await worker.whoami() == ClientIdentity(organization: "acme", agent: "worker", role: "agent"))
            let reader = try await live.client(readerToken)
            #expect(try await reader.whoami().role == "reader")
            // AUTH agent token: the agent word must be the agent's name or default.
            let named = try await PrioritizerClient.connect(port: live.port, token: workerToken, agent: "worker")
            #expect(try await named.whoami().agent == "worker")
            #expect(await errorLine { try await PrioritizerClient.connect(port: live.port, token: workerToken, agent: "watcher") }
                == "WRONGPASS invalid token")

            try await admin.agentRevoke(name: "worker")
            #expect(try await admin.agentList().first { $0.name == "worker" }?.revoked == true)
            #expect(await errorLine { try await live.client(workerToken) } == "WRONGPASS invalid token")
            // Other organizations' admins do not see acme's agents.
            let globex = try await live.client(live.globex.token)
            #expect(try await globex.agentList().map(\.name) == ["admin"])
            #expect(try await globex.whoami().organization == "globex")
            for client in [admin, worker, reader, named, globex] { try? await client.close() }
        }
    }

    // MARK: Errors

    @Test func authenticationErrors() async throws {
        try await LiveServer.with { live in
            let anonymous = try await PrioritizerClient.connect(port: live.port, token: nil)
            // Before AUTH: PING works; the rest is NOAUTH (CLIENT and HELLO without AUTH too).
            #expect(try await anonymous.ping() == "PONG")
            for words in [["SESSION.LIST"], ["SESSION.CREATE"], ["WHOAMI"], ["TOKENS", "x"], ["CLIENT", "ID"], ["HELLO", "3"],
                          ["TRACK", UUID().uuidString, "a", "CODE", "VIEW"], ["AGENT.LIST"]] {
                #expect(errorLine(of: try await anonymous.send(words)) == "NOAUTH Authentication required.", "\(words)")
            }
            #expect(errorLine(of: try await anonymous.send(["AUTH", "prk_not-a-token"])) == "WRONGPASS invalid token")
            #expect(errorLine(of: try await anonymous.send(["AUTH", "default", "garbage"])) == "WRONGPASS invalid token")
            #expect(errorLine(of: try await anonymous.send(["SESSION.LIST"])) == "NOAUTH Authentication required.")
            #expect(try await anonymous.send(["AUTH", live.acme.token]) == .simpleString("OK"))
            #expect(try await anonymous.send(["SESSION.LIST"]).elements != nil)
            #expect(try await anonymous.send(["AUTH", "default", live.acme.token]) == .simpleString("OK"))
            #expect(try await anonymous.send(["AUTH", "admin", live.acme.token]) == .simpleString("OK"))
            try await anonymous.close()

            #expect(await errorLine { try await live.client("prk_wrong") } == "WRONGPASS invalid token")
            #expect(await errorLine { try await live.client(live.acme.token + "x") } == "WRONGPASS invalid token")
        }
    }

    @Test func rolesAndPermissions() async throws {
        try await LiveServer.with { live in
            let admin = try await live.client(live.acme.token)
            let session = try await admin.createSession(label: "shared")
            try await admin.track(session: session, path: "a.swift", type: .code, access: .edit, tokens: 100)
            let (agent, _) = try await live.client(org: live.acme, name: "worker", role: .agent)
            let (reader, _) = try await live.client(org: live.acme, name: "watcher", role: .reader)

            // Agents work in the sessions of their organization but may not administer.
            #expect(try await agent.track(session: session, path: "a.swift", type: .code, access: .view) == 2)
            _ = try await agent.createSession()
            _ = try await agent.prioritize(session: session, budget: 1000)
            for words in [["AGENT.CREATE", "x"], ["AGENT.REVOKE", "admin"], ["AGENT.LIST"]] {
                let line = errorLine(of: try await agent.send(words))
                #expect(line?.hasPrefix("NOPERM ") == true, "\(words): \(line ?? "ok")")
            }

            // Readers: writes refused.
            let refused: [[String]] = [
                ["TRACK", session, "a.swift", "CODE", "VIEW"],
                ["SESSION.CREATE"],
                ["SESSION.CREATE", "LABEL", "x"],
                ["SESSION.CLOSE", session],
                ["PRIORITIZE", session, "1000"],
                ["PRIORITIZE", session, "1000", "STRATEGY", "greedy"],
                ["AGENT.CREATE", "y"],
                ["AGENT.LIST"],
            ]
            for words in refused {
                let line = errorLine(of: try await reader.send(words))
                #expect(line?.hasPrefix("NOPERM ") == true, "\(words): \(line ?? "ok")")
            }
            // … and the refused ones changed nothing.
            #expect(try await admin.sessionGet(session).accesses == 2)
            #expect(try await admin.sessionGet(session).closed == false)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs") == 1)

            // Readers: reads allowed.
            #expect(try await reader.prioritize(session: session, budget: 1000, dryRun: true).map(\.path) == ["a.swift"])
            #expect(try await reader.top(session: session).count == 1)
            #expect(try await reader.importance(session: session, path: "a.swift") != nil)
            #expect(try await reader.metrics(session: session).contains("a.swift"))
            #expect(try await reader.metrics(session: session, format: .json).hasPrefix("{"))
            #expect(try await reader.sessionGet(session).accesses == 2)
            #expect(try await reader.sessionList().contains(session))
            #expect(try await reader.tokens("hello world") == 2)
            #expect(try await reader.tokensEstimate(bytes: 1000, type: .code) > 0)
            #expect(try await reader.whoami().role == "reader")
            #expect(try await reader.ping() == "PONG")
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs") == 1)
            for client in [admin, agent, reader] { try await client.close() }
        }
    }

    @Test func sessionAndArgumentErrors() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            try await client.track(session: session, path: "a.swift", type: .code, access: .view, tokens: 10)

            // NOSESSION: unknown ids and malformed ids alike.
            for bad in [UUID().uuidString.lowercased(), UUID().uuidString, "nope", "1234", "00000000-0000-0000-0000-00000000000g", session + "0"] {
                for words in [["SESSION.GET", bad], ["SESSION.CLOSE", bad], ["TRACK", bad, "a", "CODE", "VIEW"], ["PRIORITIZE", bad, "10"],
                              ["PRIORITIZE", bad, "10", "DRYRUN"], ["IMPORTANCE", bad, "a"], ["TOP", bad], ["METRICS", bad],
                              ["SESSION.CREATE", "PARENT", bad]] {
                    #expect(errorLine(of: try await client.send(words)) == noSession, "\(words)")
                }
            }

            // Wrong arity, Redis's text.
            let arity: [([String], String)] = [
                (["TRACK", session, "a", "CODE"], "track"),
                (["TRACK"], "track"),
                (["SESSION.GET"], "session.get"),
                (["SESSION.GET", session, "extra"], "session.get"),
                (["SESSION.CLOSE"], "session.close"),
                (["PRIORITIZE", session], "prioritize"),
                (["IMPORTANCE", session], "importance"),
                (["TOP"], "top"),
                (["TOKENS"], "tokens"),
                (["TOKENS.ESTIMATE", "10"], "tokens.estimate"),
                (["METRICS"], "metrics"),
                (["AGENT.CREATE"], "agent.create"),
                (["AGENT.REVOKE"], "agent.revoke"),
            ]
            for (words, name) in arity {
                #expect(errorLine(of: try await client.send(words)) == "ERR wrong number of arguments for '\(name)' command", "\(words)")
            }
            // Unknown command.
            let unknown = errorLine(of: try await client.send(["FOO", "bar"]))
            #expect(unknown?.hasPrefix("ERR unknown command 'FOO'") == true, "\(unknown ?? "ok")")
            // Bad enum words list the valid ones.
            let types = errorLine(of: try await client.send(["TRACK", session, "a", "BLOB", "VIEW"])) ?? ""
            #expect(types.hasPrefix("ERR "))
            for word in ["CODE", "DOCUMENTATION", "DATA", "RESEARCH", "GENERATED"] { #expect(types.contains(word), "\(types)") }
            let accesses = errorLine(of: try await client.send(["TRACK", session, "a", "CODE", "READ"])) ?? ""
            for word in ["VIEW", "EDIT", "EXECUTE", "REFERENCE"] { #expect(accesses.contains(word), "\(accesses)") }
            let strategy = errorLine(of: try await client.send(["PRIORITIZE", session, "10", "STRATEGY", "random"])) ?? ""
            for word in ["optimal", "density", "greedy"] { #expect(strategy.lowercased().contains(word), "\(strategy)") }
            let encoding = errorLine(of: try await client.send(["TOKENS", "x", "ENCODING", "p50k_base"])) ?? ""
            for word in ["o200k_base", "cl100k_base"] { #expect(encoding.contains(word), "\(encoding)") }
            let sessionEncoding = errorLine(of: try await client.send(["SESSION.CREATE", "ENCODING", "gpt2"])) ?? ""
            #expect(sessionEncoding.hasPrefix("ERR ") && sessionEncoding.contains("cl100k_base"), "\(sessionEncoding)")
            let format = errorLine(of: try await client.send(["METRICS", session, "FORMAT", "xml"])) ?? ""
            #expect(format.hasPrefix("ERR ") && format.lowercased().contains("markdown") && format.lowercased().contains("json"), "\(format)")
            let role = errorLine(of: try await client.send(["AGENT.CREATE", "x", "ROLE", "root"])) ?? ""
            #expect(role.hasPrefix("ERR ") && role.contains("reader"), "\(role)")
            // Enum words are case-insensitive.
            #expect(try await client.send(["track", session, "b", "code", "view", "tokens", "5"]) == .integer(1))
            // Bad numbers and options.
            #expect(errorLine(of: try await client.send(["PRIORITIZE", session, "lots"])) == "ERR value is not an integer or out of range")
            #expect(errorLine(of: try await client.send(["TRACK", session, "a", "CODE", "VIEW", "TOKENS", "-5"]))?.hasPrefix("ERR ") == true)
            #expect(errorLine(of: try await client.send(["TRACK", session, "a", "CODE", "VIEW", "SIZE", "x"]))?.hasPrefix("ERR ") == true)
            #expect(errorLine(of: try await client.send(["TRACK", session, "a", "CODE", "VIEW", "BOGUS"]))?.hasPrefix("ERR ") == true)
            #expect(errorLine(of: try await client.send(["SESSION.CREATE", "HALFLIFE", "0"]))?.hasPrefix("ERR ") == true)
            #expect(errorLine(of: try await client.send(["SESSION.LIST", "LIMIT", "x"]))?.hasPrefix("ERR ") == true)
            // None of the refused TRACKs was logged; the connection still works.
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == 2)
            #expect(try await client.ping("still here") == "still here")
            try await client.close()
        }
    }
}
