/// The one-pass strategies: first fit over an order (given, or the rank order found lazily),
/// and the density greedy.
enum HeuristicPacking {
    /// Takes items in `order` while they fit, skipping those that do not, up to `limit` items.
    static func firstFit(order: [Int], weights: [Int], capacity: Int, limit: Int?) -> [Int] {
        var chosen: [Int] = []
        var remaining = capacity
        let cap = limit ?? Int.max
        for item in order where chosen.count < cap {
            if weights[item] <= remaining {
                chosen.append(item)
                remaining -= weights[item]
            }
        }
        return chosen
    }

    /// `firstFit` over `items` in rank order, without ranking them all: the items are spread
    /// into up to 4,096 buckets by the top bits of their value's range, best first, and a bucket
    /// is put in order only when first fit reaches it, and then only its items that still fit.
    ///
    /// Once the budget is mostly used, few items of a bucket fit, so most of a large session is
    /// never sorted: at 10k candidates the full rank order was two thirds of a greedy packing.
    static func firstFitInRankOrder(instance: PackingInstance, items: [Int], capacity: Int) -> [Int] {
        guard items.count > 256 else {
            return firstFit(order: instance.rankOrder(items), weights: instance.weights, capacity: capacity, limit: nil)
        }
        // In path order, so that each bucket is too (the scatter is stable), as `rankOrder` likes.
        let items = instance.inPathOrder(items)
        let weights = instance.weights
        // Ascending keys are descending values.
        let keys = items.map { ~RadixOrder.ordered(instance.values[$0]) }
        let lowest = keys.min()!
        let span = keys.max()! - lowest
        let shift = UInt64(max(0, (UInt64.bitWidth - span.leadingZeroBitCount) - 12))
        let bucketCount = Int(span >> shift) + 1
        var starts = [Int](repeating: 0, count: bucketCount + 1)
        for key in keys { starts[Int((key - lowest) >> shift) + 1] += 1 }
        for index in 0..<bucketCount { starts[index + 1] += starts[index] }
        var next = starts
        var bucketed = [Int](repeating: 0, count: items.count)
        for (position, item) in items.enumerated() {
            let bucket = Int((keys[position] - lowest) >> shift)
            bucketed[next[bucket]] = item
            next[bucket] += 1
        }

        let lightest = items.lazy.map { weights[$0] }.min()!
        var chosen: [Int] = []
        var remaining = capacity
        var fitting: [Int] = []
        for bucket in 0..<bucketCount where starts[bucket] < starts[bucket + 1] {
            if remaining < lightest { break }
            fitting.removeAll(keepingCapacity: true)
            for position in starts[bucket]..<starts[bucket + 1] where weights[bucketed[position]] <= remaining {
                fitting.append(bucketed[position])
            }
            if fitting.count > 32 {
                fitting = instance.rankOrder(pathOrdered: fitting)
            } else if fitting.count > 1 {
                fitting.sort(by: instance.ranksBefore)
            }
            for item in fitting where weights[item] <= remaining {
                chosen.append(item)
                remaining -= weights[item]
            }
        }
        return chosen
    }

    /// The density greedy, or the single most important item when that is worth more: the
    /// classic guard that keeps the greedy within half of the optimum.
    static func density(instance: PackingInstance, densityOrder: [Int], capacity: Int, limit: Int?) -> [Int] {
        let greedy = firstFit(order: densityOrder, weights: instance.weights, capacity: capacity, limit: limit)
        guard limit != 0, let single = instance.bestSingle(of: densityOrder),
              instance.weights[single] <= capacity,
              instance.values[single] > instance.value(of: greedy)
        else { return greedy }
        return [single]
    }
}
