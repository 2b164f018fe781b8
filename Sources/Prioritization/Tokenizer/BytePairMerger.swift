/// tiktoken's byte-pair merge of one piece: start from single bytes and repeatedly merge the
/// adjacent pair whose concatenation has the lowest rank (the leftmost on a tie) until no adjacent
/// pair is a token. The result must equal tiktoken's id for id, so the order of merges is
/// reproduced exactly, not just the final count.
///
/// Scratch arrays are reused across pieces so that merging allocates nothing per piece.
struct BytePairMerger: ~Copyable {
    let ranks: RankTable
    /// Part boundaries: part `i` is `boundaries[i] ..< boundaries[i + 1]`.
    private(set) var boundaries: UnsafeMutablePointer<Int32>
    /// `pairRanks[i]`: rank of parts `i` and `i + 1` merged, or `RankTable.absent`.
    private var pairRanks: UnsafeMutablePointer<UInt32>
    private var capacity: Int

    init(ranks: RankTable) {
        self.ranks = ranks
        capacity = 256
        boundaries = .allocate(capacity: capacity)
        pairRanks = .allocate(capacity: capacity)
    }

    deinit {
        boundaries.deallocate()
        pairRanks.deallocate()
    }

    /// Merges `length` (>= 2) bytes at `piece` and returns the number of parts (tokens); their
    /// boundaries are then in `boundaries[0 ... result]`.
    mutating func merge(_ piece: UnsafePointer<UInt8>, length: Int) -> Int {
        if length + 1 > capacity { grow(to: length + 1) }
        let boundaries = self.boundaries
        let pairRanks = self.pairRanks
        let ranks = self.ranks

        for index in 0...length { boundaries[index] = Int32(truncatingIfNeeded: index) }
        for index in 0..<(length - 1) { pairRanks[index] = ranks.rank(piece + index, 2) }
        pairRanks[length - 1] = RankTable.absent
        pairRanks[length] = RankTable.absent
        var boundaryCount = length + 1

        // Rank of parts `index` and `index + 1` after the merge in progress: the bytes from
        // boundary `index` to boundary `index + 3`, counted before the merged boundary is removed.
        @inline(__always)
        func rankAfterMerge(_ index: Int) -> UInt32 {
            guard index + 3 < boundaryCount else { return RankTable.absent }
            let start = Int(boundaries[index])
            return ranks.rank(piece + start, Int(boundaries[index + 3]) - start)
        }

        while true {
            var minRank = RankTable.absent
            var minIndex = 0
            for index in 0..<(boundaryCount - 1) where pairRanks[index] < minRank {
                minRank = pairRanks[index]
                minIndex = index
            }
            if minRank == RankTable.absent { break }

            if minIndex > 0 { pairRanks[minIndex - 1] = rankAfterMerge(minIndex - 1) }
            pairRanks[minIndex] = rankAfterMerge(minIndex)
            // Remove boundary minIndex + 1 (front to back, the regions overlap).
            for index in (minIndex + 1)..<(boundaryCount - 1) {
                boundaries[index] = boundaries[index + 1]
                pairRanks[index] = pairRanks[index + 1]
            }
            boundaryCount -= 1
        }
        return boundaryCount - 1
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        boundaries.deallocate()
        pairRanks.deallocate()
        boundaries = .allocate(capacity: newCapacity)
        pairRanks = .allocate(capacity: newCapacity)
        capacity = newCapacity
    }
}
