/// What one PRIORITIZE run did, as the server records it and the report shows it.
public struct PrioritizationRunSummary: Hashable, Sendable {
    public var strategy: PackingStrategy
    /// The resource budget packed into (after RESERVE and the prompt).
    public var budget: Int
    public var limit: Int?
    public var chosenCount: Int
    public var chosenTokens: Int
    public var capturedImportance: Double
    /// Sum of the importance of every resource the session tracked, at `at`.
    public var totalImportance: Double
    /// Resources offered to the packer (every tracked resource).
    public var candidates: Int
    public var duration: Duration
    /// Unix milliseconds the run was valued at (its AT, or the server's clock).
    public var at: Int64

    public init(
        strategy: PackingStrategy, budget: Int, limit: Int? = nil, chosenCount: Int, chosenTokens: Int,
        capturedImportance: Double, totalImportance: Double, candidates: Int, duration: Duration, at: Int64
    ) {
        self.strategy = strategy
        self.budget = budget
        self.limit = limit
        self.chosenCount = chosenCount
        self.chosenTokens = chosenTokens
        self.capturedImportance = capturedImportance
        self.totalImportance = totalImportance
        self.candidates = candidates
        self.duration = duration
        self.at = at
    }

    /// The summary of a packing valued at `at`; `totalImportance` is the session's at that time.
    public init(result: PackingResult, totalImportance: Double, at: Int64) {
        self.init(
            strategy: result.strategy, budget: result.budget, limit: result.limit,
            chosenCount: result.entries.count, chosenTokens: result.totalTokens,
            capturedImportance: result.totalImportance, totalImportance: totalImportance,
            candidates: result.candidateCount, duration: result.elapsed, at: at
        )
    }

    /// Share of the budget the chosen resources use (0 when the budget is not positive).
    public var budgetUse: Double { budget > 0 ? Double(chosenTokens) / Double(budget) : 0 }

    /// Share of the session's total importance the chosen resources carry.
    public var capturedShare: Double { totalImportance > 0 ? capturedImportance / totalImportance : 0 }

    public var durationMicroseconds: Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000
    }
}
