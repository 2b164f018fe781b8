/// Sorting item indices by a double-valued key, fast: a stable radix sort on the key's top 32
/// bits (sign, exponent and 20 bits of mantissa, so 1 part in a million), then a comparison
/// sort inside each run of equal 32-bit keys, which is rare and short.
///
/// The packer sorts every candidate on every PRIORITIZE (by importance, and by importance per
/// token); at 10k candidates the standard library's comparison sort takes ~0.5 ms, most of the
/// greedy strategy's 2 ms goal, and at 100k the full 64-bit radix sort's eight scatter passes
/// miss the cache on every element. Four byte-wide passes, skipping bytes equal in every key,
/// cost a fraction of either.
///
/// Every pass is stable, and a run of tied items is sorted by `before` only when it is out of
/// order: callers that pass `items` already in their tie order (the packer passes them in path
/// order) pay one comparison per tied item instead of a sort. Exact ties are common: resources
/// tracked in the same millisecond with the same access are equally important.
enum RadixOrder {
    /// `items` ordered by `key` descending, ties (and near-ties) by `before`.
    static func descending(_ items: [Int], key: (Int) -> Double, before: (Int, Int) -> Bool) -> [Int] {
        let keys = items.map { ~topBits(of: key($0)) }
        var (order, sortedKeys) = ascending(items, keys: keys)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, sortedKeys[end] == sortedKeys[start] { end += 1 }
            if end - start > 1 { sortNearTies(&order, start..<end, key: key, before: before) }
            start = end
        }
        return order
    }

    /// A run of items equal in their keys' top 32 bits. Long runs are common (a session's
    /// resources accessed once each within seconds differ in importance by parts per billion),
    /// and `before` ends in comparing paths: such runs are radix-sorted on the low 32 bits first,
    /// so that `before` settles only keys equal in all 64 bits.
    private static func sortNearTies(
        _ order: inout [Int], _ run: Range<Int>, key: (Int) -> Double, before: (Int, Int) -> Bool
    ) {
        guard run.count > 16 else {
            sortUnlessSorted(&order, run, by: before)
            return
        }
        let members = Array(order[run])
        var (sorted, lowKeys) = ascending(members, keys: members.map { ~lowBits(of: key($0)) })
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, lowKeys[end] == lowKeys[start] { end += 1 }
            if end - start > 1 { sortUnlessSorted(&sorted, start..<end, by: before) }
            start = end
        }
        order.replaceSubrange(run, with: sorted)
    }

    private static func sortUnlessSorted(_ order: inout [Int], _ run: Range<Int>, by before: (Int, Int) -> Bool) {
        var position = run.lowerBound + 1
        while position < run.upperBound, !before(order[position], order[position - 1]) { position += 1 }
        if position < run.upperBound { order[run].sort(by: before) }
    }

    /// A stable LSD radix sort: `items` with their parallel `keys`, both reordered by key.
    static func ascending(_ items: [Int], keys: [UInt32]) -> ([Int], [UInt32]) {
        let n = items.count
        guard n > 1 else { return (items, keys) }
        var keysA = keys
        var keysB = [UInt32](repeating: 0, count: n)
        var itemsA = items
        var itemsB = [Int](repeating: 0, count: n)
        let allOr = keys.reduce(0, |)
        let allAnd = keys.reduce(~0, &)
        var counts = [Int](repeating: 0, count: 256)
        for pass in 0..<4 {
            let shift = UInt32(pass * 8)
            // A byte equal in every key leaves the order as it is.
            if (allOr >> shift) & 0xFF == (allAnd >> shift) & 0xFF { continue }
            for digit in 0..<256 { counts[digit] = 0 }
            keysA.withUnsafeBufferPointer { source in
                for key in source { counts[Int((key >> shift) & 0xFF)] += 1 }
            }
            var total = 0
            for digit in 0..<256 {
                let count = counts[digit]
                counts[digit] = total
                total += count
            }
            keysA.withUnsafeBufferPointer { sourceKeys in
                itemsA.withUnsafeBufferPointer { sourceItems in
                    keysB.withUnsafeMutableBufferPointer { targetKeys in
                        itemsB.withUnsafeMutableBufferPointer { targetItems in
                            for index in 0..<n {
                                let key = sourceKeys[index]
                                let digit = Int((key >> shift) & 0xFF)
                                let position = counts[digit]
                                counts[digit] = position + 1
                                targetKeys[position] = key
                                targetItems[position] = sourceItems[index]
                            }
                        }
                    }
                }
            }
            swap(&keysA, &keysB)
            swap(&itemsA, &itemsB)
        }
        return (itemsA, keysA)
    }

    /// The top 32 bits of a key whose unsigned order is the order of the doubles (NaN excluded).
    @inline(__always)
    static func topBits(of value: Double) -> UInt32 {
        UInt32(truncatingIfNeeded: ordered(value) >> 32)
    }

    /// The low 32 bits of the same key.
    @inline(__always)
    static func lowBits(of value: Double) -> UInt32 {
        UInt32(truncatingIfNeeded: ordered(value))
    }

    /// A key whose unsigned order is the order of the doubles (NaN excluded).
    @inline(__always)
    static func ordered(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
}
