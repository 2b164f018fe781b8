/// Stable least-significant-digit radix sort of item indices by 64-bit keys.
///
/// The packer sorts every candidate on every PRIORITIZE (by importance, and by importance per
/// token); at 10k candidates the standard library's comparison sort takes ~0.5 ms, most of the
/// greedy strategy's budget. Eight byte-wide counting passes, skipping bytes that are the same
/// in every key, take a fraction of that.
enum RadixOrder {
    /// `items` reordered so that `keys[i]` (parallel to `items`) ascend; equal keys keep their order.
    static func ascending(_ items: [Int], keys: [UInt64]) -> [Int] {
        let n = items.count
        guard n > 1 else { return items }
        var keysA = keys
        var keysB = [UInt64](repeating: 0, count: n)
        var itemsA = items
        var itemsB = [Int](repeating: 0, count: n)
        let allOr = keys.reduce(0, |)
        let allAnd = keys.reduce(~0, &)
        var counts = [Int](repeating: 0, count: 256)
        for pass in 0..<8 {
            let shift = UInt64(pass * 8)
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
        return itemsA
    }

    /// A key whose unsigned order is the order of the doubles (NaN excluded).
    @inline(__always)
    static func monotoneKey(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
}
