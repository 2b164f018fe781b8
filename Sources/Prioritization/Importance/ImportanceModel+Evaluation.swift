import Foundation

extension ImportanceModel {
    /// Importance at `time`: the decayed access score plus the bonus while modified.
    /// May underflow to 0 for unmodified resources idle for ~1,000 half-lives; rank with
    /// `log2Importance` where that matters.
    public func importance(
        of score: DecayedScore, modified: Bool, at time: Int64, halfLifeMilliseconds: Double
    ) -> Double {
        score.value(at: time, halfLifeMilliseconds: halfLifeMilliseconds) + (modified ? modifiedBonus : 0)
    }

    /// `log2(importance)`, finite for any age: the decayed score stays in log space and is
    /// combined with the bonus by log-sum-exp, so nothing underflows. `-infinity` only for a
    /// resource with no weight at all.
    public func log2Importance(
        of score: DecayedScore, modified: Bool, at time: Int64, halfLifeMilliseconds: Double
    ) -> Double {
        let decayed = score.log2Value(at: time, halfLifeMilliseconds: halfLifeMilliseconds)
        guard modified, modifiedBonus > 0 else { return decayed }
        return Self.log2Sum(decayed, log2(modifiedBonus))
    }

    /// `log2(2^a + 2^b)` without leaving log space.
    static func log2Sum(_ a: Double, _ b: Double) -> Double {
        let high = max(a, b)
        let low = min(a, b)
        if low == -.infinity { return high }
        return high + log2(1 + exp2(low - high))
    }

    /// The session default half-life in milliseconds, the unit `DecayedScore` works in.
    public var defaultHalfLifeMilliseconds: Double { defaultHalfLifeSeconds * 1000 }
}
