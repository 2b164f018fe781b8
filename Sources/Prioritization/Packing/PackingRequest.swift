/// What to pack: a resource budget (already net of RESERVE and the prompt), an optional cap on
/// how many resources, the strategy, and how long `optimal` may search.
public struct PackingRequest: Hashable, Sendable {
    /// Tokens the chosen resources may use in total. Negative means nothing fits.
    public var budget: Int
    /// At most this many resources (PRIORITIZE's LIMIT); `nil` for no cap.
    public var limit: Int?
    public var strategy: PackingStrategy
    /// How long `optimal` may search before it returns its best packing so far (never worse than
    /// `density`'s). The default, 50 ms, is five times the p99 goal at 10k resources: instances
    /// that hit it are adversarial (many near-identical densities), and an agent waiting on its
    /// model call should not wait longer for the last fraction of a percent.
    public var timeCap: Duration

    public static let defaultTimeCap: Duration = .milliseconds(50)

    /// Budgets above 2^40 tokens (a trillion; no model comes close) pack as 2^40, and resources
    /// claiming more tokens than that are never chosen. This keeps every token sum the solvers
    /// form far from `Int` overflow, which would trap, whatever numbers clients send.
    public static let maximumBudget = 1 << 40

    public init(
        budget: Int, limit: Int? = nil, strategy: PackingStrategy = .standard,
        timeCap: Duration = PackingRequest.defaultTimeCap
    ) {
        self.budget = budget
        self.limit = limit
        self.strategy = strategy
        self.timeCap = timeCap
    }
}
