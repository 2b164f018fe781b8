import Foundation
@testable import Prioritization
import Testing
import TestSupport

@Suite("Radix order") struct RadixOrderTests {
    /// Keys crowded into a few top-32-bit buckets (near-ties a few ulps apart), exact ties broken
    /// by a second key: the radix order must be exactly the comparison sort's.
    @Test(arguments: [1, 17, 300, 5_000])
    func equalsTheComparisonSortOnNearTies(count: Int) {
        var random = SeededGenerator(seed: UInt64(count))
        let bases: [Double] = [1.0, 0.5, 3.25, 0]
        let keys = (0..<count).map { _ -> Double in
            let base = bases.randomElement(using: &random)!
            // Within ±2^-30 relative: equal top bits, different low bits, some exactly equal.
            let ulps = Int.random(in: -2_000...2_000, using: &random)
            return base == 0 ? 0 : base + Double(ulps) * base.ulp * (Bool.random(using: &random) ? 1 : 1_000)
        }
        let names = (0..<count).map { _ in String(Int.random(in: 0..<1_000_000, using: &random)) }
        func before(_ a: Int, _ b: Int) -> Bool {
            keys[a] != keys[b] ? keys[a] > keys[b] : (names[a], a) < (names[b], b)
        }
        let items = Array(0..<count)
        #expect(RadixOrder.descending(items, key: { keys[$0] }, before: before) == items.sorted(by: before))
        // Given in tie order (how the packer passes them), most runs need no sort; a few items
        // moved out of place must still end where the comparison sort puts them.
        var tieOrdered = items.sorted { (names[$0], $0) < (names[$1], $1) }
        #expect(RadixOrder.descending(tieOrdered, key: { keys[$0] }, before: before) == items.sorted(by: before))
        for _ in 0..<min(count / 4, 50) {
            tieOrdered.swapAt(Int.random(in: 0..<count, using: &random), Int.random(in: 0..<count, using: &random))
        }
        #expect(RadixOrder.descending(tieOrdered, key: { keys[$0] }, before: before) == items.sorted(by: before))
    }
}
