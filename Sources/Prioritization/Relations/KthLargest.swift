/// Where a ranked value stands among all: the value, and how many values are above it and equal to
/// it (itself included).
struct RankedThreshold: Equatable {
    let value: Double
    let countAbove: Int
    let countEqual: Int
}

extension Array where Element == Double {
    /// `UnsafeMutableBufferPointer.kthLargest` on the array's elements.
    mutating func kthLargest(_ rank: Int) -> RankedThreshold {
        withUnsafeMutableBufferPointer { $0.kthLargest(rank) }
    }
}

extension UnsafeMutableBufferPointer where Element == Double {
    /// The value at position `rank` (0-based) of the array sorted in descending order, found by
    /// quickselect in O(n) on average instead of sorting (global relation pruning ranks some
    /// 400,000 weights to find one threshold). Reorders the array. NaN is not allowed.
    ///
    /// Three-way partitioning, so the many equal weights relations often have (same count, same
    /// time) shrink the range at once instead of making it quadratic. The final partition also
    /// gives how many values lie above the threshold and how many equal it: everything left of
    /// the range still searched is above every value in it, everything right of it below, so the
    /// callers need no further pass over the values to count them.
    func kthLargest(_ rank: Int) -> RankedThreshold {
        precondition(indices.contains(rank), "rank out of range")
        let values = self
        var low = 0
        var high = values.count - 1
        while low < high {
            let a = values[low], b = values[low + (high - low) / 2], c = values[high]
            let pivot = Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
            // [low, greater) > pivot, [greater, index) == pivot, (smaller, high] < pivot.
            var greater = low
            var index = low
            var smaller = high
            while index <= smaller {
                if values[index] > pivot {
                    values.swapAt(greater, index)
                    greater += 1
                    index += 1
                } else if values[index] < pivot {
                    values.swapAt(index, smaller)
                    smaller -= 1
                } else {
                    index += 1
                }
            }
            if rank < greater {
                high = greater - 1
            } else if rank > smaller {
                low = smaller + 1
            } else {
                return RankedThreshold(value: pivot, countAbove: greater, countEqual: smaller - greater + 1)
            }
        }
        return RankedThreshold(value: values[low], countAbove: low, countEqual: 1)
    }
}
