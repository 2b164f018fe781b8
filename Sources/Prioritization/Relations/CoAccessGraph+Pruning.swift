/// The two bounds of `CoAccessGraph`'s memory: per resource and per organization. Both drop the
/// same relations the String-keyed graph dropped (its copy in the tests checks that), but find
/// them without sorting everything, since both run under the organization's lock on TRACK.
extension CoAccessGraph {
    /// Keeps a resource's `neighboursPerResource` strongest neighbours once it has twice as many,
    /// valued at its newest relation's time; equal weights are kept in path order. The strongest
    /// are found by selecting the threshold value, not by sorting the list: paths are compared
    /// only among the relations tied at the threshold (a full sort compared values through a
    /// closure, and paths whenever values tied: 6% of a pipelined TRACK's server time).
    mutating func pruneIfNeeded(_ id: UInt32, markChanged: Bool) {
        let keep = model.neighboursPerResource
        guard lists[Int(id)].count > 2 * keep else { return }
        let entries = lists[Int(id)].entries
        let newest = entries.lazy.map(\.weight.at).max() ?? 0
        let halfLife = model.halfLifeMilliseconds
        let values = entries.map { $0.weight.log2Value(at: newest, halfLifeMilliseconds: halfLife) }
        var scratch = values
        let threshold = keep > 0 ? scratch.kthLargest(keep - 1) : .infinity
        let tieSlots = keep - values.count(where: { $0 > threshold })
        let ties = values.indices.filter { values[$0] == threshold }
        // Which tied entries stay: all when they fit, else the first in path order.
        var tieKept: [Bool]?
        if ties.count > tieSlots {
            var flags = Array(repeating: false, count: entries.count)
            for index in ties.sorted(by: { paths[entries[$0].to] < paths[entries[$1].to] }).prefix(tieSlots) {
                flags[index] = true
            }
            tieKept = flags
        }
        var kept = 0
        for index in entries.indices {
            let value = values[index]
            if value > threshold || (value == threshold && tieKept?[index] ?? true) {
                lists[Int(id)].entries[kept] = entries[index]
                kept += 1
            } else {
                forget(entries[index], from: id, markChanged: markChanged)
            }
        }
        lists[Int(id)].entries.removeLast(entries.count - kept)
        relationCount -= entries.count - kept
    }

    /// Drops the weakest relations (valued at the newest time seen) down to three quarters of
    /// `maxRelations`; ties are kept in path order (from, then to) until the target is reached.
    mutating func pruneWeakest() {
        let halfLife = model.halfLifeMilliseconds
        let target = model.maxRelations * 3 / 4
        // Every relation's value, in list order: the second pass below walks the same order.
        var values: [Double] = []
        values.reserveCapacity(relationCount)
        let newest = self.newest
        lists.withUnsafeBufferPointer { lists in
            for list in lists {
                for entry in list.entries { values.append(entry.weight.log2Value(at: newest, halfLifeMilliseconds: halfLife)) }
            }
        }
        guard values.count > target, target > 0 else { return }
        var scratch = values
        let threshold = scratch.kthLargest(target - 1)
        let tieSlots = target - values.count(where: { $0 > threshold })
        let keptTies = tiesKept(values, threshold: threshold, slots: tieSlots)

        // Filtered in place; dropped relations are collected first and forgotten after, since
        // the graph cannot be touched while `lists` is borrowed.
        var dropped: [(id: UInt32, entry: NeighbourList.Entry)] = []
        dropped.reserveCapacity(values.count - target)
        var remaining = 0
        values.withUnsafeBufferPointer { values in
            var position = 0
            lists.withUnsafeMutableBufferPointer { lists in
                for id in lists.indices where !lists[id].isEmpty {
                    let kept = lists[id].entries.withUnsafeMutableBufferPointer { entries in
                        var kept = 0
                        for entry in entries {
                            let value = values[position]
                            position += 1
                            let key = Self.changeKey(UInt32(id), entry.to)
                            if value > threshold || (value == threshold && (keptTies.map { $0.contains(key) } ?? true)) {
                                entries[kept] = entry
                                kept += 1
                            } else {
                                dropped.append((UInt32(id), entry))
                            }
                        }
                        return kept
                    }
                    lists[id].entries.removeLast(lists[id].count - kept)
                    // Give back what a mostly emptied list no longer needs: its resource may never return.
                    if lists[id].entries.capacity > 2 * kept + 4 {
                        var compact: [NeighbourList.Entry] = []
                        compact.reserveCapacity(kept)
                        compact.append(contentsOf: lists[id].entries)
                        lists[id].entries = compact
                    }
                    remaining += kept
                }
            }
        }
        for (id, entry) in dropped { forget(entry, from: id, markChanged: true) }
        relationCount = remaining
    }

    /// The relations valued exactly `threshold` that stay when only `slots` of them may: nil when
    /// all fit, else the first `slots` in path order, as the full sort of the String graph kept.
    private func tiesKept(_ values: [Double], threshold: Double, slots: Int) -> Set<UInt64>? {
        guard values.count(where: { $0 == threshold }) > slots else { return nil }
        var ties: [(from: UInt32, to: UInt32)] = []
        var position = 0
        for (id, list) in lists.enumerated() {
            for entry in list.entries {
                if values[position] == threshold { ties.append((UInt32(id), entry.to)) }
                position += 1
            }
        }
        ties.sort { paths[$0.from] != paths[$1.from] ? paths[$0.from] < paths[$1.from] : paths[$0.to] < paths[$1.to] }
        return Set(ties.prefix(slots).map { Self.changeKey($0.from, $0.to) })
    }
}
