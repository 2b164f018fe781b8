import Testing
import TestSupport
@testable import Prioritization

/// The bookkeeping relation pruning relies on without recounting: the threshold's counts from
/// quickselect, the per-resource count and filter of queued DELETEs, and the memory layout it fits in.
@Suite struct RelationPruningInternalsTests {
    /// Against a full sort, on arrays with many ties (few distinct values) and with none.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func thresholdCountsMatchASort(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let count = Int.random(in: 1...64, using: &random)
            let distinct = Int.random(in: 1...80, using: &random)
            let values = (0..<count).map { _ in Double(Int.random(in: 0..<distinct, using: &random)) / 4 }
            let rank = Int.random(in: 0..<count, using: &random)
            var scratch = values
            let ranked = scratch.kthLargest(rank)
            let sorted = values.sorted(by: >)
            #expect(ranked.value == sorted[rank])
            #expect(ranked.countAbove == values.count(where: { $0 > ranked.value }))
            #expect(ranked.countEqual == values.count(where: { $0 == ranked.value }))
        }
    }

    /// Each resource's count of queued DELETEs sums to the queue, through drops (both prunings),
    /// relations learned again, partial drains and failed writes put back.
    @Test(arguments: [1, 2] as [UInt64])
    func queuedDeletesAreCountedPerResource(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var model = RelationModel.standard
        model.neighboursPerResource = 3
        model.maxRelations = 120
        model.windowCapacity = 5
        var graph = CoAccessGraph(model: model)
        var window = CoAccessWindow()
        let paths = (0..<90).map { "src/f\($0).swift" }
        var clock: Int64 = 1_700_000_000_000
        for step in 0..<4_000 {
            clock += 1_000
            graph.observe(paths[Int.random(in: 0..<paths.count, using: &random)], tokens: 10, at: clock, in: &window)
            if step % 50 == 49 {
                let taken = graph.takeChanges(limit: Int.random(in: 1...60, using: &random))
                if Bool.random(using: &random) { graph.markChanged(taken) }
            }
            #expect(graph.lists.reduce(0) { $0 + Int($1.pendingRemovals) } == graph.removals.count)
            // A relation learned again must find its queued DELETE: no resource's filter hides one.
            var queued = graph.removals
            #expect(queued.take(limit: .max).allSatisfy { key in
                let (from, to) = CoAccessGraph.relation(key)
                return graph.lists[Int(from)].mayHaveRemoval(to: to)
            })
        }
        #expect(graph.removals.count > 0)
        // 16 bytes until the removal filter: 8 more a resource, for the removal-set probe it spares
        // (0.98% → 0.22% of a fresh server's samples; docs/performance.md, session 15).
        #expect(MemoryLayout<NeighbourList>.stride == 24)
    }
}
