/// The graph's third memory bound, after the per-resource and per-organization relation bounds:
/// its paths. Every path a TRACK or LINK names is interned, and relations are dropped all the
/// time, so without this an organization that keeps meeting new paths (generated files, temporary
/// names) grew its path table, neighbour lists and token counts by about 200 bytes a path for as
/// long as the server ran, whatever `maxRelations` said.
extension CoAccessGraph {
    /// Paths interned before the first compaction is considered: below it, renumbering would cost
    /// more than the memory it gives back.
    static let defaultPathCompactionFloor = 65_536

    /// Compacts once the table holds twice the paths the last compaction kept (at least the floor),
    /// so at least half of what it walks is given back, and its cost, linear in paths and
    /// relations, is spread over as many new paths. Called where a path may be interned, before
    /// any id of the call is taken.
    mutating func compactPathsIfNeeded() {
        if paths.count >= max(pathCompactionFloor, 2 * pathsAfterCompaction) { compactPaths() }
    }

    /// Renumbers the paths, keeping only those a relation (either end), a pending DELETE or the
    /// queue of lists to write names, in their old order, so that every walk in id order (global
    /// pruning) visits the relations as before. A forgotten path's token count goes with it, as it
    /// would on a reload of the organization (which reads token counts for related paths only).
    /// Windows hold ids of the old numbering: the new `identity` makes each re-intern its paths
    /// (handing back their counts) on its next access.
    mutating func compactPaths() {
        let count = paths.count
        let dropped = removals.take(limit: .max)
        var isKept = [Bool](repeating: false, count: count)
        for id in 0..<count where !lists[id].isEmpty {
            isKept[id] = true
            for entry in lists[id].entries { isKept[Int(entry.to)] = true }
        }
        for key in dropped {
            let (from, to) = Self.relation(key)
            isKept[Int(from)] = true
            isKept[Int(to)] = true
        }
        // A queued list keeps its place in the queue (the order writes are taken in), even one
        // that global pruning emptied since: its next relation is then written in the same turn.
        for id in queued { isKept[Int(id)] = true }
        var renumbered = [UInt32](repeating: .max, count: count)
        var table = PathTable()
        var keptLists: [NeighbourList] = []
        var keptTokens: [Int?] = []
        for id in 0..<count where isKept[id] {
            renumbered[id] = table.intern(paths[UInt32(id)])
            keptTokens.append(tokenCounts[id])
        }
        keptLists.reserveCapacity(keptTokens.count)
        for id in 0..<count where isKept[id] {
            var list = NeighbourList()
            list.entries = lists[id].entries.map { entry in
                var entry = entry
                entry.to = renumbered[Int(entry.to)]
                return entry
            }
            list.isQueued = lists[id].isQueued
            keptLists.append(list)
        }
        // The DELETE filters are by target id: rebuilt from the renumbered keys.
        var keptRemovals = RelationKeySet()
        keptRemovals.reserve(dropped.count)
        for key in dropped {
            let (from, to) = Self.relation(key)
            let (newFrom, newTo) = (renumbered[Int(from)], renumbered[Int(to)])
            keptRemovals.insert(Self.changeKey(newFrom, newTo))
            keptLists[Int(newFrom)].removalQueued(to: newTo)
        }
        queued = queued.map { renumbered[Int($0)] }
        paths = table
        lists = keptLists
        tokenCounts = keptTokens
        removals = keptRemovals
        identity = UInt64.random(in: 1...UInt64.max)
        pathsAfterCompaction = paths.count
    }
}
