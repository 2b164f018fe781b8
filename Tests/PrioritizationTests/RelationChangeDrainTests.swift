import Testing
import TestSupport
@testable import Prioritization

/// What the registry's periodic writes take from the graph (`takeChanges(limit:)`): under
/// relations that keep changing, the DELETEs of dropped rows must not wait forever behind upserts.
@Suite struct RelationChangeDrainTests {
    /// Sessions wandering over 20,000 paths, so that relations are learned and dropped all the
    /// time, with a write of 50 changes every 200 accesses (the registry writes 1,000 a second).
    /// New relations always outnumber a write, so when upserts went first the DELETEs of
    /// written relations since dropped were never taken: they piled up without bound (and so
    /// did the stale rows they stand for).
    @Test func deletesOfDroppedRowsStayBoundedUnderChurn() {
        var model = RelationModel.standard
        model.neighboursPerResource = 4
        model.maxRelations = 2_000
        var graph = CoAccessGraph(model: model)
        var windows = Array(repeating: CoAccessWindow(), count: 8)
        var random = SeededGenerator(seed: 11)
        var largest = 0
        var written = 0
        for step in 0..<40_000 {
            let path = "src/module\(random.next() % 200)/file\(random.next() % 100).swift"
            graph.observe(path, tokens: 10, at: 1_700_000_000_000 + Int64(step) * 50, in: &windows[Int(random.next() % 8)])
            if step % 200 == 199 {
                let changes = graph.takeChanges(limit: 50)
                written += changes.upserted.count + changes.removed.count
                largest = max(largest, graph.removals.count)
            }
        }
        #expect(written == 200 * 50, "every write took its full share")
        #expect(graph.pendingChangeCount > 50, "more changed than the writes could take")
        // At most what was written and is not deleted yet: bounded by the writes' pace, not the
        // stream's length.
        #expect(largest <= 200, "\(largest) DELETEs waiting")
    }
}
