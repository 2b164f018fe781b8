import Testing
import TestSupport
@testable import Prioritization

@Suite struct PackingBehaviourTests {
    static func candidate(_ path: String, _ importance: Double, _ tokens: Int?) -> PackingCandidate {
        PackingCandidate(path: path, importance: importance, tokens: tokens)
    }

    @Test func strategyWordsParseInAnyCaseAndListValidWordsOnError() throws {
        #expect(try PackingStrategy(word: "optimal") == .optimal)
        #expect(try PackingStrategy(word: "Density") == .density)
        #expect(try PackingStrategy(word: "GREEDY") == .greedy)
        #expect(throws: DomainWordError.self) { try PackingStrategy(word: "fastest") }
        do {
            _ = try PackingStrategy(word: "fastest")
        } catch {
            #expect(error.description.contains("OPTIMAL, DENSITY, GREEDY"))
        }
    }

    /// One big important file blocks three smaller ones that together matter more.
    @Test func optimalBeatsGreedyWhereGreedyWastesBudget() {
        let candidates = [
            Self.candidate("big.swift", 10, 1000),
            Self.candidate("a.swift", 4, 400), Self.candidate("b.swift", 4, 400), Self.candidate("c.swift", 4, 200),
        ]
        let greedy = Packer.pack(candidates, PackingRequest(budget: 1000, strategy: .greedy))
        let optimal = Packer.pack(candidates, PackingRequest(budget: 1000, strategy: .optimal))
        #expect(greedy.chosenPaths == ["big.swift"])
        #expect(optimal.chosenPaths == ["a.swift", "b.swift", "c.swift"])
        #expect(optimal.totalImportance == 12)
        #expect(optimal.provenOptimal)
    }

    @Test func densityIsNeverWorseThanTheBestSingleItem() {
        // Density alone would take the tiny item and then have no room for the big one.
        let candidates = [Self.candidate("tiny.md", 1, 1), Self.candidate("huge.md", 100, 1000)]
        let result = Packer.pack(candidates, PackingRequest(budget: 1000, strategy: .density))
        #expect(result.chosenPaths == ["huge.md"])
    }

    @Test func unknownTokenCountsAreNeverChosenAndFreeResourcesAlwaysAre() {
        let candidates = [
            Self.candidate("unknown.swift", 100, nil), Self.candidate("free.md", 0.1, 0),
            Self.candidate("x.swift", 1, 50), Self.candidate("too-big.swift", 50, 5000),
        ]
        for strategy in PackingStrategy.allCases {
            let result = Packer.pack(candidates, PackingRequest(budget: 100, strategy: strategy))
            #expect(result.chosenPaths == ["x.swift", "free.md"], "\(strategy)")
            #expect(result.eligibleCount == 2)
            #expect(result.candidateCount == 4)
        }
    }

    @Test func tiesBreakByPathAndOrderOfInputDoesNotMatter() {
        var rng = SeededGenerator(seed: 7)
        let candidates = (0..<40).map { Self.candidate("f\($0 % 10)/\($0).txt", Double($0 % 3), 10 + $0 % 2) }
        for strategy in PackingStrategy.allCases {
            let request = PackingRequest(budget: 105, strategy: strategy)
            let reference = Packer.pack(candidates, request).entries
            for _ in 0..<5 {
                #expect(Packer.pack(candidates.shuffled(using: &rng), request).entries == reference, "\(strategy)")
            }
            #expect(zip(reference, reference.dropFirst()).allSatisfy {
                $0.importance > $1.importance || ($0.importance == $1.importance && $0.path < $1.path)
            })
        }
        // Greedy among equals takes paths in ascending order.
        let equal = ["c", "a", "b"].map { Self.candidate($0, 1, 10) }
        #expect(Packer.pack(equal, PackingRequest(budget: 20, strategy: .greedy)).chosenPaths == ["a", "b"])
    }

    @Test func limitCapsTheCountAndOptimalIsTheOptimumUnderBoth() {
        let candidates = [
            Self.candidate("a", 5, 10), Self.candidate("b", 4, 1), Self.candidate("c", 4, 1), Self.candidate("d", 3, 1),
        ]
        let result = Packer.pack(candidates, PackingRequest(budget: 11, limit: 2, strategy: .optimal))
        #expect(result.chosenPaths == ["a", "b"])
        #expect(result.provenOptimal)
        let none = Packer.pack(candidates, PackingRequest(budget: 11, limit: 0, strategy: .optimal))
        #expect(none.entries.isEmpty)
        for strategy in PackingStrategy.allCases {
            #expect(Packer.pack(candidates, PackingRequest(budget: 100, limit: 3, strategy: strategy)).entries.count == 3)
        }
    }

    @Test func negativeOrZeroBudgetChoosesOnlyWhatIsFree() {
        let candidates = [Self.candidate("free", 1, 0), Self.candidate("paid", 1, 1)]
        #expect(Packer.pack(candidates, PackingRequest(budget: -5)).entries.isEmpty)
        #expect(Packer.pack(candidates, PackingRequest(budget: 0)).chosenPaths == ["free"])
    }

    /// With no time at all, optimal returns its starting packing: density's, or better.
    @Test func timeCapReturnsAtLeastDensity() {
        var rng = SeededGenerator(seed: 99)
        for round in 0..<50 {
            let instance = RandomInstance.make(shape: .correlated, count: 300, budget: 3000, using: &rng)
            let capped = Packer.pack(instance.candidates, PackingRequest(budget: 3000, strategy: .optimal, timeCap: .zero))
            let density = Packer.pack(instance.candidates, PackingRequest(budget: 3000, strategy: .density))
            #expect(capped.totalImportance >= density.totalImportance, "round \(round)")
            #expect(capped.totalTokens <= 3000)
            #expect(!capped.provenOptimal, "round \(round)")
            let limited = Packer.pack(instance.candidates, PackingRequest(budget: 3000, limit: 5, strategy: .optimal, timeCap: .zero))
            let limitedDensity = Packer.pack(instance.candidates, PackingRequest(budget: 3000, limit: 5, strategy: .density))
            #expect(limited.totalImportance >= limitedDensity.totalImportance, "round \(round)")
            #expect(limited.entries.count <= 5)
        }
    }

    /// Importance that underflowed to 0 still ranks and packs by its log2 value.
    @Test func underflowedImportancePacksByLogValue() {
        let candidates = [
            PackingCandidate(path: "older", importance: 0, tokens: 10, log2Importance: -5_000_001),
            PackingCandidate(path: "old", importance: 0, tokens: 10, log2Importance: -5_000_000),
            PackingCandidate(path: "oldest", importance: 0, tokens: 10, log2Importance: -5_000_002),
        ]
        for strategy in PackingStrategy.allCases {
            let result = Packer.pack(candidates, PackingRequest(budget: 20, strategy: strategy))
            #expect(result.chosenPaths == ["old", "older"], "\(strategy)")
        }
    }

    @Test func greedyFollowsTheSeedOrderSkippingWhatDoesNotFit() {
        let candidates = [
            Self.candidate("first", 9, 60), Self.candidate("second", 8, 50), Self.candidate("third", 7, 40),
        ]
        #expect(Packer.pack(candidates, PackingRequest(budget: 100, strategy: .greedy)).chosenPaths == ["first", "third"])
    }
}

extension PackingBehaviourTests {
    /// Clients may send any numbers: huge budgets and token counts must not overflow.
    @Test func hugeBudgetsAndTokenCountsDoNotOverflow() {
        let candidates = [
            Self.candidate("a", 3, Int.max / 2), Self.candidate("b", 2, Int.max / 2), Self.candidate("c", 1, 1 << 39),
            Self.candidate("d", 1, 1 << 39), Self.candidate("e", 1, (1 << 39) + 1),
        ]
        for strategy in PackingStrategy.allCases {
            for limit in [nil, 1, 2] as [Int?] {
                let result = Packer.pack(candidates, PackingRequest(budget: Int.max, limit: limit, strategy: strategy))
                #expect(result.totalTokens <= PackingRequest.maximumBudget, "\(strategy) \(String(describing: limit))")
                #expect(!result.chosenPaths.contains("a") && !result.chosenPaths.contains("b"))
            }
        }
        #expect(Packer.pack(candidates, PackingRequest(budget: Int.max)).chosenPaths == ["c", "d"])
    }
}
