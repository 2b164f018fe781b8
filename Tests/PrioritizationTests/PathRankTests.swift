import Foundation
import Testing
import TestSupport
@testable import Prioritization

/// Path ranks stand in for string comparisons when PRIORITIZE breaks importance ties: they must
/// change no answer.
@Suite("Path ranks for tie-breaking")
struct PathRankTests {
    @Test func ranksFollowPathOrderAsResourcesArriveInBatches() {
        var generator = SeededGenerator(seed: 7)
        var state = SessionState()
        var paths: [String] = []
        for batch in [1, 50, 0, 3, 400, 1, 1] {
            let before = state.resources.count
            for _ in 0..<batch {
                let path = "src/\(["a", "B", "é", "z", "ä"].randomElement(using: &generator)!)/\(Int.random(in: 0..<1_000, using: &generator)).swift"
                paths.append(path)
                _ = state.apply(AccessEvent(path: path, type: .code, access: .view, at: 1_000, tokens: 10))
            }
            // Stale once a resource arrived; what `preparePathRanks` brings up to date.
            #expect((state.resources.pathRanks == nil) == (state.resources.count > before))
            state.preparePathRanks()
            let ranks = try! #require(state.resources.pathRanks)
            let values = state.resources.values
            #expect(ranks.count == values.count)
            let byRank = values.indices.sorted { ranks[$0] < ranks[$1] }.map { values[$0].path }
            #expect(byRank == values.map(\.path).sorted())
            #expect(Set(ranks).count == ranks.count)
        }
    }

    @Test func packingWithRanksAnswersAsPackingWithout() {
        var generator = SeededGenerator(seed: 11)
        for round in 0..<60 {
            var state = SessionState()
            let count = Int.random(in: 1...400, using: &generator)
            for index in 0..<count {
                // Few distinct importances and token counts: many exact ties, broken by path.
                let path = "p/\(Int.random(in: 0..<(count * 2), using: &generator))-\(index % 7)"
                let access: AccessType = [.view, .edit][Int.random(in: 0..<2, using: &generator)]
                _ = state.apply(AccessEvent(path: path, type: .code, access: access, at: 5_000,
                                            tokens: [10, 20, 30][Int.random(in: 0..<3, using: &generator)]))
            }
            let topByPath = state.top(9, at: 5_000).map(\.resource.path)
            state.preparePathRanks()
            #expect(state.top(9, at: 5_000).map(\.resource.path) == topByPath)
            // Related candidates follow the session's own, without ranks.
            let related = (0..<Int.random(in: 0...20, using: &generator)).map {
                PackingCandidate(path: "p/\($0 * 3)-r", importance: 1, tokens: 10)
            }
            let candidates = state.candidates(at: 5_000) + related
            // The server's way: the session valued into columns, related candidates appended.
            var columns = state.packingCandidates(at: 5_000)
            #expect(state.top(9, of: columns) == state.top(9, at: 5_000))
            columns.append(contentsOf: related)
            #expect((0..<columns.count).map { columns[$0] } == candidates)
            for strategy in PackingStrategy.allCases {
                for limit in [nil, 3] as [Int?] {
                    let request = PackingRequest(budget: 50 + round * 7, limit: limit, strategy: strategy)
                    let plain = Packer.pack(candidates, request)
                    let ranked = Packer.pack(candidates, request, pathRanks: state.resources.pathRanks!)
                    let fromColumns = Packer.pack(columns, request, pathRanks: state.resources.pathRanks!)
                    #expect(plain.entries == ranked.entries, "round \(round) \(strategy) limit \(String(describing: limit))")
                    #expect(plain.entries == fromColumns.entries, "round \(round) \(strategy) limit \(String(describing: limit))")
                }
            }
        }
    }
}
