/// Recall at a budget — at each expectation the share of the expected paths chosen, averaged over
/// expectations — per scorer and budget, over all sessions and per half of the sessions.
public struct RecallTally: Sendable {
    public enum Part: String, CaseIterable, Sendable {
        case all, firstHalf = "first half", secondHalf = "second half"
    }

    private struct Key: Hashable {
        let scorer: String
        let budget: Int
        let part: Part
    }

    private var sums: [Key: Double] = [:]
    private var counts: [Key: Int] = [:]

    public init() {}

    public mutating func record(scorer: String, budget: Int, secondHalf: Bool, expected: [String], chosen: Set<String>) {
        guard !expected.isEmpty else { return }
        let recall = Double(expected.filter { chosen.contains($0) }.count) / Double(expected.count)
        for part in [Part.all, secondHalf ? .secondHalf : .firstHalf] {
            let key = Key(scorer: scorer, budget: budget, part: part)
            sums[key, default: 0] += recall
            counts[key, default: 0] += 1
        }
    }

    /// Adds another tally's records (the server's beside the in-process ones).
    public mutating func merge(_ other: RecallTally) {
        sums.merge(other.sums, uniquingKeysWith: +)
        counts.merge(other.counts, uniquingKeysWith: +)
    }

    /// Mean recall in [0, 1], nil when no expectation was recorded.
    public func recall(scorer: String, budget: Int, part: Part = .all) -> Double? {
        let key = Key(scorer: scorer, budget: budget, part: part)
        guard let count = counts[key], count > 0 else { return nil }
        return sums[key]! / Double(count)
    }

    public func expectations(scorer: String, budget: Int, part: Part = .all) -> Int {
        counts[Key(scorer: scorer, budget: budget, part: part)] ?? 0
    }
}
