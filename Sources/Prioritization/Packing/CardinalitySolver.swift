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
        var prefixWeight = [Int](repeating: 0, count: n + 1)
        var prefixValue = [Double](repeating: 0, count: n + 1)
        for item in 0..<n {
            prefixWeight[item + 1] = prefixWeight[item] + weights[item]
            prefixValue[item + 1] = prefixValue[item] + values[item]
        }
        let identical = IdenticalItems(values: values, weights: weights)
        let topSums = TopValueSums(values: values, limit: limit, cellLimit: Self.suffixTableCellLimit)
        let multiplier = CapacityMultiplier.best(values: values, weights: weights, capacity: capacity, count: limit)
        let adjustedSums = TopValueSums(
            values: (0..<n).map { max(0, values[$0] - multiplier * Double(weights[$0])) },
            limit: limit, cellLimit: Self.suffixTableCellLimit)

        func dantzig(from start: Int, capacity room: Int) -> Double {
            // Largest end in start...n with prefixWeight[end] - prefixWeight[start] <= room.
            let target = prefixWeight[start] + room
            var low = start
            var high = n
            while low < high {
                let mid = (low + high + 1) / 2
                if prefixWeight[mid] <= target { low = mid } else { high = mid - 1 }
            }
            var bound = prefixValue[low] - prefixValue[start]
            if low < n {
                bound += Double(target - prefixWeight[low]) * values[low] / Double(weights[low])
            }
            return bound
        }

        var best = incumbent.reduce(0.0) { $0 + values[$1] }
        var bestChosen = incumbent
        var budget = SearchBudget(timeCap: timeCap)
        var frames = [Frame(next: 0, capacity: capacity, slots: limit, value: 0)]
        var chosen: [Int] = []
        search: while let top = frames.indices.last {
            var frame = frames[top]
            var taken: Int? = nil
            while frame.slots > 0, frame.next < n {
                guard budget.step() else { break search }
                let start = frame.next
                let bound = min(dantzig(from: start, capacity: frame.capacity),
                                topSums.sum(from: start, count: frame.slots),
                                multiplier * Double(frame.capacity) + adjustedSums.sum(from: start, count: frame.slots))
                if frame.value + bound <= best + pruneMargin(best) { break }
                if weights[start] <= frame.capacity {
                    // Resume past the whole run of items identical to this one (IdenticalItems).
                    frame.next = identical.nextDifferent[start]
                    taken = start
                    break
                }
                frame.next = identical.nextDifferent[start]  // its twins do not fit either
            }
            if let item = taken {
                frames[top] = frame
                let child = Frame(next: item + 1, capacity: frame.capacity - weights[item],
                                  slots: frame.slots - 1, value: frame.value + values[item])
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
        return Outcome(chosen: bestChosen.sorted(), finished: !budget.expired, nodes: budget.nodes)
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
