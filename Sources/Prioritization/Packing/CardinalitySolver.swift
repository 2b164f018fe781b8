/// Exact 0/1 knapsack with at most `limit` items (PRIORITIZE … LIMIT n under `optimal`, when
/// the limit can bind).
///
/// Depth-first branch and bound. A node holds the items chosen so far and the next candidate
/// index; its children are "take item j next" for j = candidate, … in order, so the stack is at
/// most `limit` deep. Items are ordered by reduced profit `p − μ*·w`, where μ* is the capacity
/// constraint's Lagrangian multiplier (`CapacityMultiplier`): the LP optimum with both
/// constraints takes the top of that order, so good packings come first. A node's bound over the
/// undecided suffix, with `room` tokens and `r` slots left, is the minimum over a few multipliers
/// μ ∈ {0, μ*/2, μ*, 2μ*} of `μ·room + (sum of the r largest max(0, p − μ·w) in the suffix)`,
/// each valid on its own (μ = 0 is the plain top-r bound); suffix tables make each an O(1)
/// lookup (at most 1M cells per table; beyond that the global top values, looser but still a
/// bound). Bounds only shrink along the order, so the first candidate whose bound fails ends the
/// node. Runs of identical items are searched once (`IdenticalItems`).
///
/// Known hard case: importance proportional to tokens under a LIMIT that binds together with the
/// budget; such instances run into the time cap and return the best packing found.
struct CardinalitySolver {
    let values: [Double]
    let weights: [Int]
    let capacity: Int
    let limit: Int

    /// Upper bound on cells ((n+1) × (limit+1) doubles) of each suffix top-r table.
    static let suffixTableCellLimit = 1_000_000

    struct Outcome {
        var chosen: [Int]
        var finished: Bool
        var nodes: Int
    }

    private struct Frame {
        var next: Int
        var capacity: Int
        var slots: Int
        var value: Double
    }

    func solve(incumbent: [Int], timeCap: Duration) -> Outcome {
        let n = values.count
        // Branch in order of reduced profit p − μ*·w (stable, so identical items stay adjacent):
        // the LP optimum with both constraints takes the top of this order, so good packings
        // come first and the bounds bite early.
        let multiplier = CapacityMultiplier.best(values: values, weights: weights, capacity: capacity, count: limit)
        let reduced = (0..<n).map { values[$0] - multiplier * Double(weights[$0]) }
        let order = (0..<n).sorted { reduced[$0] != reduced[$1] ? reduced[$0] > reduced[$1] : $0 < $1 }
        let p = order.map { values[$0] }
        let w = order.map { weights[$0] }
        let identical = IdenticalItems(values: p, weights: w)
        // Lagrangian bounds μ·room + top-r of max(0, p − μ·w) for a few μ around μ*; μ = 0 is the
        // plain top-r bound. Each is a valid bound for any node; their minimum is close to the
        // node's own LP bound.
        let multipliers = multiplier > 0 ? [0, multiplier / 2, multiplier, multiplier * 2] : [0]
        let tables = multipliers.map { mu in
            TopValueSums(values: (0..<n).map { max(0, p[$0] - mu * Double(w[$0])) },
                         limit: limit, cellLimit: Self.suffixTableCellLimit)
        }
        func bound(from start: Int, room: Int, slots: Int) -> Double {
            var result = Double.infinity
            for (index, mu) in multipliers.enumerated() {
                result = min(result, mu * Double(room) + tables[index].sum(from: start, count: slots))
            }
            return result
        }

        var position = [Int](repeating: 0, count: n)
        for (index, item) in order.enumerated() { position[item] = index }
        var best = incumbent.reduce(0.0) { $0 + values[$1] }
        var bestChosen = incumbent.map { position[$0] }
        var budget = SearchBudget(timeCap: timeCap)
        var frames = [Frame(next: 0, capacity: capacity, slots: limit, value: 0)]
        var chosen: [Int] = []
        search: while let top = frames.indices.last {
            var frame = frames[top]
            var taken: Int? = nil
            while frame.slots > 0, frame.next < n {
                guard budget.step() else { break search }
                let start = frame.next
                if frame.value + bound(from: start, room: frame.capacity, slots: frame.slots) <= best + pruneMargin(best) {
                    break
                }
                if w[start] <= frame.capacity {
                    // Resume past the whole run of items identical to this one (IdenticalItems).
                    frame.next = identical.nextDifferent[start]
                    taken = start
                    break
                }
                frame.next = identical.nextDifferent[start]  // its twins do not fit either
            }
            if let item = taken {
                frames[top] = frame
                let child = Frame(next: item + 1, capacity: frame.capacity - w[item],
                                  slots: frame.slots - 1, value: frame.value + p[item])
                frames.append(child)
                chosen.append(item)
                if child.value > best {
                    best = child.value
                    bestChosen = chosen
                }
            } else {
                frames.removeLast()
                if !chosen.isEmpty { chosen.removeLast() }
            }
        }
        return Outcome(chosen: bestChosen.map { order[$0] }.sorted(), finished: !budget.expired, nodes: budget.nodes)
    }
}

/// Sums of the `r` largest values among items `start…` (for r ≤ limit), or among all items when
/// the per-suffix table would be too large.
private struct TopValueSums {
    private let limit: Int
    private let table: [Double]
    private let global: [Double]

    init(values: [Double], limit: Int, cellLimit: Int) {
        let n = values.count
        let width = min(limit, n) + 1
        self.limit = width - 1
        let sortedAll = values.sorted(by: >)
        var globalSums = [0.0]
        for value in sortedAll.prefix(width - 1) { globalSums.append(globalSums.last! + value) }
        global = globalSums
        guard (n + 1) * width <= cellLimit else {
            table = []
            return
        }
        var cells = [Double](repeating: 0, count: (n + 1) * width)
        var top: [Double] = []  // descending, at most width - 1 values
        top.reserveCapacity(width)
        for start in stride(from: n - 1, through: 0, by: -1) {
            let value = values[start]
            var low = 0
            var high = top.count
            while low < high {
                let mid = (low + high) / 2
                if top[mid] >= value { low = mid + 1 } else { high = mid }
            }
            if low < width - 1 {
                top.insert(value, at: low)
                if top.count > width - 1 { top.removeLast() }
            }
            let row = start * width
            var running = 0.0
            for r in 1..<width {
                if r <= top.count { running += top[r - 1] }
                cells[row + r] = running
            }
        }
        table = cells
    }

    func sum(from start: Int, count: Int) -> Double {
        let r = min(count, limit)
        if table.isEmpty { return global[r] }
        return table[start * (limit + 1) + r]
    }
}
