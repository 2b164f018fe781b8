import Foundation

/// Replays the ripgrep work history (Benchmarks/Fixtures/ripgrep-history.jsonl, copied from the
/// shared workloads; format in docs/replay.md): each session starts empty, events are applied in
/// order, and at every expectation each strategy packs the session's resources as of that time.
/// Within the session only: co-access relations are `scripts/tune-relations`' subject.
struct RipgrepReplay {
    struct Score {
        var expectations = 0
        var recall: [String: Double] = [:]
        var captured: [String: Double] = [:]
        var runs = 0
    }

    let workload: Workload

    init(url: URL) throws {
        workload = try Workload(contentsOf: url)
    }

    /// Recall at `budget` (share of the expected files chosen) for each strategy and for the
    /// seed's own pipeline (seed formula, top 10, greedy), and each strategy's captured
    /// importance as a share of optimal's.
    func score(budget: Int) -> Score {
        var score = Score()
        var sessions: [String: SessionState] = [:]
        for line in workload.lines {
            switch line {
            case .event(let session, let event):
                sessions[session, default: SessionState()].apply(event)
            case .expectation(let session, let at, let expect):
                let state = sessions[session] ?? SessionState()
                let candidates = state.candidates(at: at)
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
                let chosen = ReferenceScorer.seed.choose(from: state, budget: budget, at: at)
                let hits = expect.filter { chosen.contains($0) }.count
                score.recall["SEED", default: 0] += Double(hits) / Double(expect.count)
                score.runs += 1
            }
        }
        return score
    }
}
