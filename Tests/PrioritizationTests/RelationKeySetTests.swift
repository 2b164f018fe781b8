@testable import Prioritization
import Testing
import TestSupport

/// `RelationKeySet` (the graph's hand-made hash set of dropped relations to delete) against `Set<UInt64>`:
/// inserts with duplicates, removals that shift probe chains back, and chunked takes.
@Suite struct RelationKeySetTests {
    @Test func behavesAsASetUnderInsertsRemovalsAndTakes() {
        var random = SeededGenerator(seed: 7)
        var set = RelationKeySet()
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
                #expect(set.remove(k) == (reference.remove(k) != nil))
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

    /// Keys taken all at once come back in hash order; restoring them (a failed write) must not
    /// pile them into one probe run: with `reserve` first this is linear, without it quadratic
    /// (minutes at a million keys, seen at a server's shutdown).
    @Test func keysTakenInHashOrderGoBackInWhole() {
        var random = SeededGenerator(seed: 11)
        var set = RelationKeySet()
        var reference = Set<UInt64>()
        for _ in 0..<150_000 {
            let key = (random.next() % 400_000) << 32 | random.next() % 400_000
            set.insert(key)
            reference.insert(key)
        }
        let taken = set.take(limit: .max)
        #expect(set.count == 0)
        set.reserve(taken.count)
        for key in taken { set.insert(key) }
        #expect(set.count == reference.count)
        #expect(Set(set.take(limit: .max)) == reference)
    }
}
