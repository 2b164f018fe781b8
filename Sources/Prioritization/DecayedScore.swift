import Foundation

/// An exponentially decaying sum kept as one number and the time it is valued at.
///
/// `value(t) = score * 2^(-(t - at) / halfLife)`. Adding a weight at time `t` decays the sum to
/// `max(t, at)` and adds the weight decayed to the same instant, so the result does not depend on
/// the order in which events arrive, and two partial sums merge exactly (`merged(with:)`).
/// Times are unix milliseconds; the half-life is in milliseconds too.
public struct DecayedScore: Hashable, Sendable, Codable {
    public var score: Double
    /// Unix milliseconds at which `score` is valued: the latest event time seen.
    public var at: Int64

    public static let zero = DecayedScore(score: 0, at: Int64.min)

    public init(score: Double, at: Int64) {
        self.score = score
        self.at = at
    }

    /// The factor `2^(-ms / halfLife)` for a non-negative interval.
    @inlinable
    public static func decay(milliseconds: Int64, halfLifeMilliseconds: Double) -> Double {
        exp2(-Double(milliseconds) / halfLifeMilliseconds)
    }

    /// Adds `weight` for an event at `time`, whether the event is newer or older than `at`.
    public mutating func add(_ weight: Double, at time: Int64, halfLifeMilliseconds: Double) {
        self = merged(with: DecayedScore(score: weight, at: time), halfLifeMilliseconds: halfLifeMilliseconds)
    }

    /// The sum of two decayed scores, valued at the later of their two times.
    public func merged(with other: DecayedScore, halfLifeMilliseconds: Double) -> DecayedScore {
        if other.score == 0 && other.at == Int64.min { return self }
        if score == 0 && at == Int64.min { return other }
        let newer = max(at, other.at)
        let mine = score * Self.decay(milliseconds: newer &- at, halfLifeMilliseconds: halfLifeMilliseconds)
        let theirs = other.score * Self.decay(milliseconds: newer &- other.at, halfLifeMilliseconds: halfLifeMilliseconds)
        return DecayedScore(score: mine + theirs, at: newer)
    }

    /// `log2(value(time))`: finite however old the sum, so rankings never collapse to zero.
    /// Times before `at` count as `at` (importance is not extrapolated backwards).
    public func log2Value(at time: Int64, halfLifeMilliseconds: Double) -> Double {
        guard score > 0 else { return -.infinity }
        let elapsed = max(0, time &- at)
        return log2(score) - Double(elapsed) / halfLifeMilliseconds
    }

    /// The value at `time`; may underflow to zero for very old sums (use `log2Value` to rank).
    public func value(at time: Int64, halfLifeMilliseconds: Double) -> Double {
        guard score > 0 else { return 0 }
        let elapsed = max(0, time &- at)
        return score * Self.decay(milliseconds: elapsed, halfLifeMilliseconds: halfLifeMilliseconds)
    }
}
