/// A set of relations as packed `from << 32 | to` keys (the graph's dropped relations awaiting a
/// DELETE): an open-addressing set (linear probing) hashed by one multiplication.
///
/// Not `Set<UInt64>`: that hashes every key with SipHash, which was a third of relation learning's
/// instructions when every changed relation went through a set (pruning still drops relations by
/// the thousand). The keys are ids the graph hands out in order, never values a client chooses,
/// so a cheap hash cannot be driven into collisions.
struct RelationKeySet: Sendable {
    /// Never a key: path ids stay below `UInt32.max`.
    private static let empty = UInt64.max
    /// A power of two long, at most half full; empty until the first insert.
    private var slots: [UInt64] = []
    private var shift = 64
    private(set) var count = 0
    /// Where the last partial `take` stopped: the next one starts there instead of rescanning the
    /// slots it emptied (draining in chunks stays linear, as with the `Set` it replaces).
    private var cursor = 0

    /// Fibonacci hashing: the top bits of the key times 2^64/φ.
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// Makes room for `additional` more keys at once. Keys handed back after a `take` come in
    /// slot order, which is hash order: inserted one by one into a table growing from empty,
    /// the first ones all hash near slot 0 of every smaller table and pile up in one run that
    /// every later insert walks (quadratic; a shutdown's restore of 1.6M changes spun for
    /// minutes). Sized for all of them first, their homes spread over the whole table.
    mutating func reserve(_ additional: Int) {
        while (count + additional) * 2 > slots.count { grow() }
    }

    /// Adds `key`; whether it was not there already.
    @discardableResult
    mutating func insert(_ key: UInt64) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        let start = home(key)
        guard slots.withUnsafeMutableBufferPointer({ Self.place(key, in: $0, from: start) }) else { return false }
        count += 1
        return true
    }

    /// Puts `key` in the first free slot from `start` unless it is there already: whether it was added.
    private static func place(_ key: UInt64, in slots: UnsafeMutableBufferPointer<UInt64>, from start: Int) -> Bool {
        let mask = slots.count - 1
        var index = start
        while true {
            let slot = slots[index]
            if slot == key { return false }
            if slot == empty {
                slots[index] = key
                return true
            }
            index = (index + 1) & mask
        }
    }

    func contains(_ key: UInt64) -> Bool {
        guard !slots.isEmpty else { return false }
        let mask = slots.count - 1
        var index = home(key)
        while slots[index] != Self.empty {
            if slots[index] == key { return true }
            index = (index + 1) & mask
        }
        return false
    }

    /// Removes `key` by shifting back the entries that probed past it, so no tombstones build up;
    /// whether it was there.
    @discardableResult
    mutating func remove(_ key: UInt64) -> Bool {
        guard !slots.isEmpty else { return false }
        let mask = slots.count - 1
        var hole = home(key)
        while slots[hole] != key {
            if slots[hole] == Self.empty { return false }
            hole = (hole + 1) & mask
        }
        var next = hole
        while true {
            next = (next + 1) & mask
            let moved = slots[next]
            if moved == Self.empty { break }
            // `moved` may fill the hole unless its home lies cyclically in (hole, next].
            let from = home(moved)
            let staysPut = hole < next ? (from > hole && from <= next) : (from > hole || from <= next)
            if !staysPut {
                slots[hole] = moved
                hole = next
            }
        }
        slots[hole] = Self.empty
        count -= 1
        return true
    }

    /// Removes and returns up to `limit` keys (all of them, and the memory, when `limit` covers them).
    mutating func take(limit: Int) -> [UInt64] {
        if limit >= count {
            let all = slots.filter { $0 != Self.empty }
            self = RelationKeySet()
            return all
        }
        var taken: [UInt64] = []
        taken.reserveCapacity(limit)
        let mask = slots.count - 1
        var index = cursor & mask
        while taken.count < limit {
            if slots[index] != Self.empty { taken.append(slots[index]) }
            index = (index + 1) & mask
        }
        cursor = index
        for key in taken { remove(key) }
        return taken
    }

    private mutating func grow() {
        let old = slots
        let capacity = max(16, 2 * old.count)
        shift = 64 - capacity.trailingZeroBitCount
        var grown = Array(repeating: Self.empty, count: capacity)
        grown.withUnsafeMutableBufferPointer { grown in
            for key in old where key != Self.empty { _ = Self.place(key, in: grown, from: home(key)) }
        }
        slots = grown
    }
}
