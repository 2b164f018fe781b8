import Foundation
import Testing
import TestSupport
@testable import Prioritization

/// Greedy packing orders lazily (`HeuristicPacking.firstFitInRankOrder`): its answer must be
/// exactly first fit over all candidates sorted by the rank order, with a plain comparison sort.
@Suite("Greedy packing equals first fit in rank order")
struct GreedyReferenceTests {
    @Test(arguments: [3, 257, 1_000, 6_000])
    func lazyOrderChoosesWhatTheFullSortChooses(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        for round in 0..<6 {
            var state = SessionState()
            for index in 0..<count {
                // Few access kinds and clustered times: exact ties and near-ties by the thousand.
                let access: AccessType = [.view, .view, .edit, .reference, .execute][Int.random(in: 0..<5, using: &generator)]
                let at = 1_000_000 + Int64(index / Int.random(in: 1...40, using: &generator))
                let tokens: Int? = Int.random(in: 0..<50, using: &generator) == 0 ? nil
                    : max(0, Int(exp(Double.random(in: 2...9, using: &generator))))
                _ = state.apply(AccessEvent(path: "src/\(Int.random(in: 0..<(count * 3), using: &generator))/f\(index % 13)",
                                            type: .code, access: access, at: at, tokens: tokens))
            }
            state.preparePathRanks()
            let now: Int64 = 1_000_000 + Int64(count) + 5_000
            let candidates = state.candidates(at: now)
            let ranked = candidates.filter { $0.tokens != nil }.sorted {
                if $0.importance != $1.importance { return $0.importance > $1.importance }
                if $0.log2Importance != $1.log2Importance { return $0.log2Importance > $1.log2Importance }
                return $0.path < $1.path
            }
            for budget in [0, 100, 5_000, 128_000, 10_000_000] {
                var remaining = budget
                var expected: [PackingCandidate] = []
                for candidate in ranked where candidate.tokens! <= remaining {
                    expected.append(candidate)
                    remaining -= candidate.tokens!
                }
                let request = PackingRequest(budget: budget, strategy: .greedy)
                let withRanks = Packer.pack(state.packingCandidates(at: now), request, pathRanks: state.resources.pathRanks!)
                let withoutRanks = Packer.pack(candidates, request)
                #expect(withRanks.chosenPaths == expected.map(\.path), "round \(round) budget \(budget)")
                #expect(withoutRanks.chosenPaths == expected.map(\.path), "round \(round) budget \(budget)")
            }
        }
    }
}
