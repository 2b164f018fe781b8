/// The Lagrangian multiplier of the capacity constraint for a knapsack with at most `r` items.
///
/// For any μ ≥ 0, `μ·C + (sum of the r largest max(0, p_i − μ·w_i))` bounds the optimum from above
/// (the capacity constraint moved into the objective, the cardinality one kept, which top-r solves
/// exactly). The bound is convex in μ and its minimum equals the LP relaxation with both
/// constraints, far tighter than either constraint's bound alone when both bind (LIMIT 50 in a
/// 128k budget). Bisection on the slope, `C − Σ w` of the top-r set, finds the minimum.
enum CapacityMultiplier {
    static func best(values: [Double], weights: [Int], capacity: Int, count r: Int) -> Double {
        guard r > 0, !values.isEmpty else { return 0 }
        var high = 0.0
        for item in values.indices where weights[item] > 0 {
            high = max(high, values[item] / Double(weights[item]))
        }
        var low = 0.0
        guard high > 0 else { return 0 }
        if slope(at: 0, values: values, weights: weights, capacity: capacity, count: r) >= 0 { return 0 }
        for _ in 0..<32 {
            let middle = (low + high) / 2
            if slope(at: middle, values: values, weights: weights, capacity: capacity, count: r) >= 0 {
                high = middle
            } else {
                low = middle
            }
        }
        return high
    }

    /// `C − Σ w_i` over the r items with the largest positive `p_i − μ·w_i`.
    private static func slope(at multiplier: Double, values: [Double], weights: [Int], capacity: Int, count r: Int) -> Double {
        var heap = MinHeap(capacity: r)
        for item in values.indices {
            let adjusted = values[item] - multiplier * Double(weights[item])
            if adjusted > 0 { heap.offer(adjusted, weights[item]) }
        }
        return Double(capacity) - Double(heap.totalWeight)
    }

    /// The r largest (key, weight) pairs seen, by key.
    private struct MinHeap {
        private var keys: [Double] = []
        private var weights: [Int] = []
        private let limit: Int
        private(set) var totalWeight = 0

        init(capacity: Int) {
            limit = capacity
            keys.reserveCapacity(capacity)
            weights.reserveCapacity(capacity)
        }

        mutating func offer(_ key: Double, _ weight: Int) {
            if keys.count < limit {
                keys.append(key)
                weights.append(weight)
                totalWeight += weight
                var child = keys.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard keys[child] < keys[parent] else { break }
                    keys.swapAt(child, parent)
                    weights.swapAt(child, parent)
                    child = parent
                }
            } else if key > keys[0] {
                totalWeight += weight - weights[0]
                keys[0] = key
                weights[0] = weight
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    let right = left + 1
                    var smallest = parent
                    if left < keys.count, keys[left] < keys[smallest] { smallest = left }
                    if right < keys.count, keys[right] < keys[smallest] { smallest = right }
                    if smallest == parent { break }
                    keys.swapAt(parent, smallest)
                    weights.swapAt(parent, smallest)
                    parent = smallest
                }
            }
        }
    }
}
