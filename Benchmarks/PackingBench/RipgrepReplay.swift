import Foundation

/// Replays the ripgrep work history (Benchmarks/Fixtures/ripgrep-history.jsonl, copied from the
/// shared workloads; format in its README): each session starts empty, events are applied in
/// order, and at every expectation each strategy packs the session's resources as of that time.
struct RipgrepReplay {
    struct Line: Decodable {
        var session: String
        var path: String?
        var type: String?
        var size: Int?
        var tokens: Int?
        var at: Int64
        var access: String?
        var modified: Bool?
        var expect: [String]?
    }

    struct Score {
        var expectations = 0
        var recall: [String: Double] = [:]
        var captured: [String: Double] = [:]
        var runs = 0
    }

    let lines: [Line]

    init(url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        lines = try text.split(separator: "\n").map { try decoder.decode(Line.self, from: Data($0.utf8)) }
    }

    /// Recall at `budget` (share of the expected files chosen) for each strategy and for the
    /// seed's own pipeline (seed formula, top 10, greedy), and each strategy's captured
    /// importance as a share of optimal's.
    func score(budget: Int) -> Score {
        var score = Score()
        var sessions: [String: SessionState] = [:]
        var seedCounts: [String: [String: (count: Int, last: Int64, modified: Bool, tokens: Int?)]] = [:]
        for line in lines {
            if let expect = line.expect {
                let state = sessions[line.session] ?? SessionState()
                let candidates = state.candidates(at: line.at)
                guard !candidates.isEmpty else { continue }
                score.expectations += 1
                var optimalValue = 0.0
                for strategy in PackingStrategy.allCases {
                    let result = Packer.pack(candidates, PackingRequest(budget: budget, strategy: strategy))
                    let chosen = Set(result.chosenPaths)
                    let hits = expect.filter { chosen.contains($0) }.count
                    score.recall[strategy.rawValue, default: 0] += Double(hits) / Double(expect.count)
                    if strategy == .optimal { optimalValue = result.totalImportance }
                    let share = optimalValue > 0 ? result.totalImportance / optimalValue : 1
                    score.captured[strategy.rawValue, default: 0] += share
                }
                // The seed: its formula, top 10 by importance, greedy into the budget.
                let seed = SeedImportanceModel.seed
                let ranked = (seedCounts[line.session] ?? [:]).map { path, facts in
                    (path: path, importance: seed.importance(accessCount: facts.count, lastAccess: facts.last,
                                                             modified: facts.modified, at: line.at),
                     tokens: facts.tokens)
                }.sorted { $0.importance != $1.importance ? $0.importance > $1.importance : $0.path < $1.path }
                var remaining = budget
                var chosen: Set<String> = []
                for resource in ranked.prefix(10) {
                    if let tokens = resource.tokens, tokens <= remaining {
                        chosen.insert(resource.path)
                        remaining -= tokens
                    }
                }
                let hits = expect.filter { chosen.contains($0) }.count
                score.recall["SEED", default: 0] += Double(hits) / Double(expect.count)
                score.runs += 1
                continue
            }
            guard let path = line.path, let type = line.type.flatMap({ try? ResourceType(word: $0) }),
                  let access = line.access.flatMap({ try? AccessType(word: $0) }) else { continue }
            sessions[line.session, default: SessionState()].apply(
                AccessEvent(path: path, type: type, access: access, at: line.at,
                            modified: line.modified ?? false, tokens: line.tokens, size: line.size))
            var facts = seedCounts[line.session, default: [:]][path] ?? (0, line.at, false, nil)
            facts.count += 1
            facts.last = max(facts.last, line.at)
            facts.modified = facts.modified || (line.modified ?? false)
            facts.tokens = line.tokens ?? facts.tokens
            seedCounts[line.session, default: [:]][path] = facts
        }
        return score
    }
}
