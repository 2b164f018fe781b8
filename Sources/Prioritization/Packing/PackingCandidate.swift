import Foundation

/// One resource offered to the packer.
///
/// `importance` is what replies show and what the packer maximises. `log2Importance` carries the
/// same quantity in log space so that resources whose importance underflowed to 0 (idle for
/// ~1,000 half-lives) still rank, and still pack, correctly: the packer rescales every value by
/// one power of two chosen from the largest `log2Importance`, which changes no decision.
/// Inputs are finite and non-negative; anything else counts as 0.
public struct PackingCandidate: Hashable, Sendable {
    public var path: String
    public var importance: Double
    public var log2Importance: Double
    /// The resource's token count; `nil` (unknown) is never chosen.
    public var tokens: Int?

    /// `log2Importance` defaults to `log2(importance)`; give it when importance may underflow.
    public init(path: String, importance: Double, tokens: Int?, log2Importance: Double? = nil) {
        self.path = path
        (self.importance, self.log2Importance) = Self.normalized(importance, log2Importance)
        self.tokens = tokens
    }

    /// What `init` keeps of an importance and its log: 0 for anything not finite and positive,
    /// `-infinity` for a NaN log, `log2(importance)` when no log is given.
    @inline(__always)
    static func normalized(_ importance: Double, _ log2Importance: Double?) -> (Double, Double) {
        let safe = importance.isFinite && importance > 0 ? importance : 0
        return (safe, log2Importance.map { $0.isNaN ? -.infinity : $0 } ?? log2(safe))
    }
}
