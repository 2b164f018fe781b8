/// The two bounds of `CoAccessGraph`'s memory: per resource and per organization. Both drop the
/// same relations the String-keyed graph dropped (its copy in the tests checks that), but find
/// them without sorting everything, since both run under the organization's lock on TRACK.
extension CoAccessGraph {
    /// Keeps a resource's `neighboursPerResource` strongest neighbours once it has twice as many,
    /// valued at its newest relation's time; equal weights are kept in path order. The strongest
    /// are found by selecting the threshold value, not by sorting the list: paths are compared
    /// only among the relations tied at the threshold (a full sort compared values through a
    /// closure, and paths whenever values tied: 6% of a pipelined TRACK's server time).
    ///
    /// It runs about once per TRACK once lists are full, so it allocates nothing: values, their
    /// scratch copy and the dropped entries live in stack buffers, and the list is filtered in
    /// place (it used to be read through a copy, which made the first write copy the whole list).
    mutating func pruneIfNeeded(_ id: UInt32, markChanged: Bool) {
        let keep = model.neighboursPerResource
        let count = lists[Int(id)].count
        guard count > 2 * keep else { return }
        let halfLife = model.halfLifeMilliseconds
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * count) { space in
            let values = UnsafeMutableBufferPointer(rebasing: space[0..<count])
            let scratch = UnsafeMutableBufferPointer(rebasing: space[count...])
            lists[Int(id)].entries.withUnsafeBufferPointer { entries in
                var newest = Int64.min
                for entry in entries { newest = max(newest, entry.weight.at) }
                for index in 0..<count {
                    values[index] = entries[index].weight.log2Value(at: newest, halfLifeMilliseconds: halfLife)
                }
            }
            _ = scratch.update(fromContentsOf: values)
            let ranked = keep > 0 ? scratch.kthLargest(keep - 1) : RankedThreshold(value: .infinity, countAbove: 0, countEqual: 0)
            let threshold = ranked.value
            let tieSlots = keep - ranked.countAbove
            // Which tied entries stay: all when they fit, else the first in path order.
            var tieKept: [Bool]?
            if ranked.countEqual > tieSlots {
                let entries = lists[Int(id)].entries
                var ties = values.indices.filter { values[$0] == threshold }
                ties.sort { paths.precedes(entries[$0].to, entries[$1].to) }
                var flags = Array(repeating: false, count: count)
                for index in ties.prefix(tieSlots) { flags[index] = true }
                tieKept = flags
            }
            withUnsafeTemporaryAllocation(of: NeighbourList.Entry.self, capacity: count) { dropped in
                var droppedCount = 0
                let kept = lists[Int(id)].entries.withUnsafeMutableBufferPointer { entries in
                    var kept = 0
                    for index in 0..<count {
                        let value = values[index]
                        if value > threshold || (value == threshold && tieKept?[index] ?? true) {
                            entries[kept] = entries[index]
                            kept += 1
                        } else {
                            (dropped.baseAddress! + droppedCount).initialize(to: entries[index])
                            droppedCount += 1
                        }
                    }
                    return kept
                }
                lists[Int(id)].entries.removeLast(count - kept)
                relationCount -= count - kept
                for index in 0..<droppedCount { forget(dropped[index], from: id, markChanged: markChanged) }
            }
        }
    }

    /// Drops the weakest relations (valued at the newest time seen) down to three quarters of
    /// `maxRelations`; ties are kept in path order (from, then to) until the target is reached.
    mutating func pruneWeakest() {
        let halfLife = model.halfLifeMilliseconds
        let target = model.maxRelations * 3 / 4
        // Every relation's value, in list order: the second pass below walks the same order.
        // Written through the buffer, not appended: an append per relation (capacity and
        // uniqueness checks) was a third of this function's instructions.
        let newest = self.newest
        let total = lists.reduce(0) { $0 + $1.count }
        let values = [Double](unsafeUninitializedCapacity: total) { buffer, count in
            lists.withUnsafeBufferPointer { lists in
                for list in lists {
                    list.entries.withUnsafeBufferPointer { entries in
                        for entry in entries {
                            buffer[count] = entry.weight.log2Value(at: newest, halfLifeMilliseconds: halfLife)
                            count += 1
                        }
                    }
                }
            }
        }
        guard values.count > target, target > 0 else { return }
        var scratch = values
        let ranked = scratch.kthLargest(target - 1)
        let threshold = ranked.value
        let tieSlots = target - ranked.countAbove
        let keptTies = ranked.countEqual > tieSlots ? tiesKept(values, threshold: threshold, slots: tieSlots) : nil

        // Filtered in place; dropped relations are collected first and forgotten after, since
        // the graph cannot be touched while `lists` is borrowed.
        var dropped: [(id: UInt32, entry: NeighbourList.Entry)] = []
        dropped.reserveCapacity(values.count - target)
        var remaining = 0
        values.withUnsafeBufferPointer { values in
            var position = 0
            lists.withUnsafeMutableBufferPointer { lists in
                for id in lists.indices where !lists[id].isEmpty {
                    // Most lists are short (a few neighbours each with many resources), and many of
                    // them lose nothing: read their values only, and leave the list untouched (no
                    // uniqueness check, no trimming, no compaction).
                    let count = lists[id].count
                    if !values[position..<position + count].contains(where: { $0 < threshold || ($0 == threshold && keptTies != nil) }) {
                        position += count
                        remaining += count
                        continue
                    }
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

    /// The relations valued exactly `threshold` that stay when only `slots` of them may (fewer
    /// than are tied): the first `slots` in path order, as the full sort of the String graph kept.
    private func tiesKept(_ values: [Double], threshold: Double, slots: Int) -> Set<UInt64> {
        var ties: [(from: UInt32, to: UInt32)] = []
        var position = 0
        for (id, list) in lists.enumerated() {
            for entry in list.entries {
                if values[position] == threshold { ties.append((UInt32(id), entry.to)) }
                position += 1
            }
        }
        // Ids are equal exactly when paths are (interned).
        ties.sort { $0.from != $1.from ? paths.precedes($0.from, $1.from) : paths.precedes($0.to, $1.to) }
        return Set(ties.prefix(slots).map { Self.changeKey($0.from, $0.to) })
    }
}
