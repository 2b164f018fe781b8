/// Exact 0/1 knapsack by Pisinger's expanding-core branch and bound ("expknap", 1995).
///
/// Items are in density order. The break solution takes every item before the first one that
/// does not fit (the break item `b`). The search then only flips items around `b`: under
/// capacity it tries adding items `b, b+1, …`; over capacity it tries removing `b-1, b-2, …`.
/// Each step is bounded by the Dantzig (fractional) bound at the density of the next item in
/// that direction, so the core of flipped items stays small on realistic instances and items
/// far from the break are never looked at. Iterative (an explicit frame stack), so no deep
/// recursion on a server thread's small stack. Runs of identical items are searched once
/// (`IdenticalItems`).
struct ExpandingCoreSolver {
    let values: [Double]
    let weights: [Int]
    let capacity: Int

    struct Outcome {
        var chosen: [Int]
        var finished: Bool
        var nodes: Int
    }

    private struct Frame {
        var value: Double
        var weight: Int
        /// Next item to try removing (counts down) / adding (counts up).
        var remove: Int
        var add: Int
    }

    /// `incumbent` is a feasible packing (indices) the answer must not fall below.
    func solve(incumbent: [Int], timeCap: Duration) -> Outcome {
        let n = values.count
        var breakItem = 0
        var breakWeight = 0
        var breakValue = 0.0
        while breakItem < n, breakWeight + weights[breakItem] <= capacity {
            breakWeight += weights[breakItem]
            breakValue += values[breakItem]
            breakItem += 1
        }
        if breakItem == n { return Outcome(chosen: Array(0..<n), finished: true, nodes: 0) }

        let density = (0..<n).map { values[$0] / Double(weights[$0]) }
        let identical = IdenticalItems(values: values, weights: weights)
        var best = incumbent.reduce(0.0) { $0 + values[$1] }
        var bestFlips: [Int]? = nil
        if breakValue > best {
            best = breakValue
            bestFlips = []
        }

        var budget = SearchBudget(timeCap: timeCap)
        var frames = [Frame(value: breakValue, weight: breakWeight, remove: breakItem - 1, add: breakItem)]
        var flips: [Int] = []
        while let top = frames.indices.last {
            guard budget.step() else { break }
            let frame = frames[top]
            var next: Int? = nil
            if frame.weight <= capacity {
                let item = frame.add
                if item < n,
                   frame.value + Double(capacity - frame.weight) * density[item] > best + pruneMargin(best) {
                    frames[top].add = identical.nextDifferent[item]
                    frames.append(Frame(value: frame.value + values[item], weight: frame.weight + weights[item],
                                        remove: frame.remove, add: item + 1))
                    next = item
                }
            } else {
                let item = frame.remove
                if item >= 0,
                   frame.value - Double(frame.weight - capacity) * density[item] > best + pruneMargin(best) {
                    frames[top].remove = identical.previousDifferent[item]
                    frames.append(Frame(value: frame.value - values[item], weight: frame.weight - weights[item],
                                        remove: item - 1, add: frame.add))
                    next = item
                }
            }
            if let next {
                flips.append(next)
                let child = frames[frames.count - 1]
                if child.weight <= capacity, child.value > best {
                    best = child.value
                    bestFlips = flips
                }
            } else {
                frames.removeLast()
                if !flips.isEmpty { flips.removeLast() }
            }
        }

        let chosen: [Int]
        if let bestFlips {
            var taken = [Bool](repeating: false, count: n)
            for item in 0..<breakItem { taken[item] = true }
            for item in bestFlips { taken[item].toggle() }
            chosen = (0..<n).filter { taken[$0] }
        } else {
            chosen = incumbent
        }
        return Outcome(chosen: chosen, finished: !budget.expired, nodes: budget.nodes)
    }
}
