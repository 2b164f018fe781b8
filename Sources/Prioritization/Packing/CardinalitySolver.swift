/// Exact 0/1 knapsack with at most `limit` items (PRIORITIZE … LIMIT n under `optimal`).
///
/// Depth-first branch and bound over items in density order. A node holds the items chosen so
/// far and the next candidate index; its children are "take item j next" for j = candidate, …
/// in order, so the stack is at most `limit` deep. A node's bound over the undecided suffix is
/// the smaller of two relaxations: the Dantzig bound of the capacity (prefix sums and a binary
/// search find the break item in O(log n)), and the sum of the `r` largest values left, for the
/// `r` items the limit still allows (a suffix table of at most 1M cells, otherwise the global
/// top values, which is looser but still a bound), and the Lagrangian bound
/// `μ·room + top-r of max(0, p − μ·w)` with μ chosen once at the root (`CapacityMultiplier`),
/// which is what makes LIMITs that bind together with the budget tractable. All shrink as the
/// suffix does, so the first candidate whose bound fails ends the whole node.
struct CardinalitySolver {
    let values: [Double]
    let weights: [Int]
    let capacity: Int
    let limit: Int

    /// Upper bound on table cells ((n+1) × (limit+1) doubles) for the suffix top-r sums.
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
