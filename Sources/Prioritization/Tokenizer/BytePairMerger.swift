/// tiktoken's byte-pair merge of one piece: start from single bytes and repeatedly merge the
/// adjacent pair whose concatenation has the lowest rank (the leftmost on a tie) until no adjacent
/// pair is a token. The result must equal tiktoken's id for id, so the order of merges is
/// reproduced exactly, not just the final count.
///
/// Scratch arrays are reused across pieces so that merging allocates nothing per piece.
///
/// tiktoken rescans all pairs after every merge, which is quadratic in the piece's length: a
/// megabyte of letters without a space would stall a server thread for minutes. Pieces longer than
/// `longPieceThreshold` therefore merge through a heap ordered by (rank, position), which makes the
/// same choices (lowest rank, then leftmost) in O(n log n).
struct BytePairMerger: ~Copyable {
    static let longPieceThreshold = 128

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
        length > Self.longPieceThreshold
            ? mergeWithHeap(piece, length: length) : mergeByRescanning(piece, length: length)
    }

    /// tiktoken's own loop: after each merge, rescan every pair for the lowest rank.
    mutating func mergeByRescanning(_ piece: UnsafePointer<UInt8>, length: Int) -> Int {
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

    /// The heap-driven merge for long pieces. Parts are a linked list over their start offsets;
    /// heap entries pack (rank << 32 | start) so that integer order is tiktoken's choice order.
    /// Entries whose pair has since changed are skipped when popped: a pair's rank identifies its
    /// bytes, so an entry is current exactly when it matches the rank recorded at its start.
    mutating func mergeWithHeap(_ piece: UnsafePointer<UInt8>, length: Int) -> Int {
        if length + 1 > capacity { grow(to: length + 1) }
        let boundaries = self.boundaries
        let next = UnsafeMutablePointer<Int32>.allocate(capacity: length + 1)
        let previous = UnsafeMutablePointer<Int32>.allocate(capacity: length + 1)
        let pairRank = UnsafeMutablePointer<UInt32>.allocate(capacity: length + 1)
        // Each merge pushes at most two entries.
        var heap = MinHeap(capacity: 3 * length + 2)
        defer {
            next.deallocate()
            previous.deallocate()
            pairRank.deallocate()
            heap.deallocate()
        }
        for index in 0...length {
            next[index] = Int32(index + 1)
            previous[index] = Int32(index - 1)
            pairRank[index] = RankTable.absent
        }
        for index in 0..<(length - 1) {
            let rank = ranks.rank(piece + index, 2)
            pairRank[index] = rank
            if rank != RankTable.absent { heap.push(UInt64(rank) << 32 | UInt64(index)) }
        }

        // Rank of the part starting at `start` merged with the part after it.
        @inline(__always)
        func rankOfPair(at start: Int) -> UInt32 {
            let second = Int(next[start])
            guard second < length else { return RankTable.absent }
            return ranks.rank(piece + start, Int(next[second]) - start)
        }

        var parts = length
        while let entry = heap.pop() {
            let start = Int(entry & 0xFFFF_FFFF)
            let rank = UInt32(entry >> 32)
            guard pairRank[start] == rank else { continue }
            // Absorb the following part into the one at `start`.
            let removed = Int(next[start])
            let after = Int(next[removed])
            next[start] = Int32(after)
            if after <= length { previous[after] = Int32(start) }
            pairRank[removed] = RankTable.absent
            parts -= 1

            let merged = rankOfPair(at: start)
            pairRank[start] = merged
            if merged != RankTable.absent { heap.push(UInt64(merged) << 32 | UInt64(start)) }
            let before = Int(previous[start])
            if before >= 0 {
                let rank = rankOfPair(at: before)
                pairRank[before] = rank
                if rank != RankTable.absent { heap.push(UInt64(rank) << 32 | UInt64(before)) }
            }
        }

        var part = 0
        var start = 0
        while start < length {
            boundaries[part] = Int32(start)
            part += 1
            start = Int(next[start])
        }
        boundaries[part] = Int32(length)
        return parts
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

/// A binary min-heap of UInt64 in caller-sized storage.
private struct MinHeap {
    private let storage: UnsafeMutablePointer<UInt64>
    private var count = 0

    init(capacity: Int) { storage = .allocate(capacity: capacity) }

    func deallocate() { storage.deallocate() }

    mutating func push(_ value: UInt64) {
        var index = count
        count += 1
        while index > 0 {
            let parent = (index - 1) / 2
            if storage[parent] <= value { break }
            storage[index] = storage[parent]
            index = parent
        }
        storage[index] = value
    }

    mutating func pop() -> UInt64? {
        guard count > 0 else { return nil }
        let top = storage[0]
        count -= 1
        let last = storage[count]
        var index = 0
        while true {
            var child = 2 * index + 1
            if child >= count { break }
            if child + 1 < count && storage[child + 1] < storage[child] { child += 1 }
            if last <= storage[child] { break }
            storage[index] = storage[child]
            index = child
        }
        storage[index] = last
        return top
    }
}
