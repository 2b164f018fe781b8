/// The seed's importance formula (its ResourceTracker), kept so tests and benchmarks can compare
/// the new frecency against it. Not used to serve requests.
///
/// `recency = max(0, 50 - 10 * hoursSinceLastAccess)`, `frequency = min(30, 2 * accessCount)`,
/// `modified = 20` when modified in the session, sum rounded to an integer (half away from zero,
/// as JavaScript's `Math.round` does for these non-negative sums). Access type carries no weight.
public struct SeedImportanceModel: Hashable, Sendable {
    public var recencyMax: Double = 50
    public var recencyLossPerHour: Double = 10
    public var frequencyPerAccess: Double = 2
    public var frequencyMax: Double = 30
    public var modifiedBonus: Double = 20

    public static let seed = SeedImportanceModel()

    public init() {}

    /// The seed's score for a resource last accessed at `lastAccess` (unix ms), valued at `time`.
    public func importance(accessCount: Int, lastAccess: Int64, modified: Bool, at time: Int64) -> Double {
        let hours = Double(max(0, time &- lastAccess)) / 3_600_000
        let recency = max(0, recencyMax - recencyLossPerHour * hours)
        let frequency = min(frequencyMax, frequencyPerAccess * Double(accessCount))
        let bonus = modified ? modifiedBonus : 0
        return (recency + frequency + bonus).rounded(.toNearestOrAwayFromZero)
    }
}
