/// Counts search nodes and reads the clock only every 1,024 of them, so the time cap costs
/// nothing measurable per node.
struct SearchBudget {
    private let clock = ContinuousClock()
    private let deadline: ContinuousClock.Instant
    private let unlimited: Bool
    private(set) var nodes = 0
    private(set) var expired = false

    init(timeCap: Duration) {
        unlimited = timeCap >= .seconds(1_000_000)
        deadline = unlimited ? clock.now : clock.now.advanced(by: timeCap)
        expired = timeCap <= .zero
    }

    /// Counts one node; `false` once the cap has passed.
    mutating func step() -> Bool {
        nodes += 1
        if nodes & 1023 == 0, !unlimited, clock.now >= deadline { expired = true }
        return !expired
    }
}

/// Prune margin: a branch must beat the incumbent by more than rounding noise, or ties between
/// equal-valued packings would be explored forever.
@inline(__always)
func pruneMargin(_ incumbent: Double) -> Double { abs(incumbent) * 1e-12 }
