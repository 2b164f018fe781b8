@testable import Prioritization
import Testing
import TestSupport

/// `ChangeSet` (the graph's hand-made hash set of changed relations) against `Set<UInt64>`:
/// inserts with duplicates, removals that shift probe chains back, and chunked takes.
@Suite struct ChangeSetTests {
    @Test func behavesAsASetUnderInsertsRemovalsAndTakes() {
        var random = SeededGenerator(seed: 7)
        var set = ChangeSet()
        var reference = Set<UInt64>()
        // Few distinct keys, packed as the graph packs them, so that probe chains collide often.
        func key() -> UInt64 { (random.next() % 64) << 32 | random.next() % 64 }
        for round in 0..<200 {
            for _ in 0..<Int(random.next() % 100) {
                let k = key()
                set.insert(k)
                reference.insert(k)
            }
            for _ in 0..<Int(random.next() % 20) {
                let k = key()
                set.remove(k)
                reference.remove(k)
            }
            #expect(set.count == reference.count)
            for _ in 0..<50 {
                let k = key()
                #expect(set.contains(k) == reference.contains(k))
            }
            if round % 10 == 9 {
                let limit = Int(random.next() % 300)
                let taken = set.take(limit: limit)
                #expect(taken.count == min(limit, reference.count))
                #expect(Set(taken).count == taken.count)
                #expect(Set(taken).isSubset(of: reference))
                reference.subtract(taken)
                #expect(set.count == reference.count)
            }
        }
        #expect(Set(set.take(limit: .max)) == reference)
        #expect(set.count == 0)
    }
}
