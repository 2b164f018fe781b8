/// One resource's neighbours in the interned graph: a small unordered array scanned linearly.
/// A resource has at most `2 × neighboursPerResource` (32) of them before it is pruned, so a scan
/// of contiguous integers is cheaper than hashing, and the list costs 24 bytes a relation (the
/// two write flags fill what would be padding).
struct NeighbourList: Sendable {
    struct Entry: Sendable {
        var weight: DecayedScore
        var to: UInt32
        /// Changed since it was last taken for writing.
        var isPending = false
        /// Its row may exist in the database (loaded, or taken for writing): dropping it then
        /// needs a DELETE; dropping one never written needs nothing.
        var isStored = false
    }

    var entries: [Entry] = []
    /// Whether the list is in the graph's queue of lists with pending entries.
    var isQueued = false
    /// Relations from this resource waiting in the graph's `removals` for their DELETE. Lets a
    /// new relation skip probing that set (a cache miss in a large table) when none of this
    /// resource's are there (most of them, in an organization of many resources). Fits in what
    /// would be padding.
    private(set) var pendingRemovals: UInt32 = 0
    /// Which of those may be waiting, by their target's id modulo 64: a new relation whose bit is
    /// clear skips the probe too. Under churn (every resource dropping and learning relations all
    /// the time) nearly every list has removals pending, and the probes were 5% of a pipelined
    /// TRACK's server time; a few dozen removals leave most of the 64 bits clear. Bits are only
    /// set, and cleared together when the list has none pending. It makes the list 24 bytes, not 16.
    private(set) var removalFilter: UInt64 = 0

    static func filterBit(_ to: UInt32) -> UInt64 { 1 << UInt64(to & 63) }

    /// Whether a removal of the relation to `to` may be pending.
    func mayHaveRemoval(to: UInt32) -> Bool {
        pendingRemovals > 0 && removalFilter & Self.filterBit(to) != 0
    }

    mutating func removalQueued(to: UInt32) {
        pendingRemovals += 1
        removalFilter |= Self.filterBit(to)
    }

    mutating func removalDone() {
        pendingRemovals -= 1
        if pendingRemovals == 0 { removalFilter = 0 }
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func index(of to: UInt32) -> Int? {
        entries.firstIndex { $0.to == to }
    }

    /// Appends a neighbour the list does not have. Growth stops at `limit` (the count at which
    /// the list is pruned) rather than doubling past it: a pruned list keeps its buffer, so a
    /// doubled one would hold twice the memory for as long as the resource lives.
    mutating func append(_ entry: Entry, limit: Int) {
        if entries.count == entries.capacity, entries.count < limit {
            entries.reserveCapacity(min(limit, max(4, 2 * entries.count)))
        }
        entries.append(entry)
    }
}
