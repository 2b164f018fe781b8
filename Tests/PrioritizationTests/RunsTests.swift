import Prioritization
import Testing

/// `forEachRun(by:)`, which the group commit uses to do per-session bookkeeping once per run of
/// one session's writes: every element is in exactly one run, in order, and a key that comes
/// back after another starts a new run.
@Suite struct RunsTests {
    private func runs<C: RandomAccessCollection>(_ elements: C, by key: (C.Element) -> String) -> [(String, Range<C.Index>)] {
        var found: [(String, Range<C.Index>)] = []
        elements.forEachRun(by: key) { found.append(($0, $1)) }
        return found
    }

    @Test func consecutiveEqualKeysFormOneRun() {
        let found = runs(["a1", "a2", "b1", "b2", "b3", "a3"], by: { String($0.prefix(1)) })
        #expect(found.map(\.0) == ["a", "b", "a"])
        #expect(found.map(\.1) == [0..<2, 2..<5, 5..<6])
    }

    @Test func singleElementsAndNoElements() {
        #expect(runs(["x"], by: { $0 }).map(\.1) == [0..<1])
        #expect(runs(["x", "y", "x"], by: { $0 }).map(\.1) == [0..<1, 1..<2, 2..<3])
        #expect(runs([String](), by: { $0 }).isEmpty)
    }

    @Test func indicesAreTheCollectionsOwn() {
        let slice = ["p", "q", "q", "r"][1...]
        let found = runs(slice, by: { $0 })
        #expect(found.map(\.1) == [1..<3, 3..<4])
    }
}
