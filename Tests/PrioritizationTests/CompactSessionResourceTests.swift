import Testing
@testable import Prioritization

/// The compact layouts of `SessionResource`, `AccessCounts` and `SessionResources` (issue 6):
/// every value goes in and comes out unchanged, and counts saturate instead of wrapping.
@Suite struct CompactSessionResourceTests {
    @Test func layoutStaysCompact() {
        // 128 bytes before; a million resident resources make every 8 bytes 8 MB.
        #expect(MemoryLayout<SessionResource>.stride <= 88)
        #expect(MemoryLayout<AccessCounts>.size == 16)
    }

    @Test(arguments: [Int.min, -1, 0, 1, Int(UInt32.max), Int(UInt32.max) + 1, Int.max])
    func tokensAndSizeRoundTripEveryInt(_ value: Int) {
        var resource = SessionResource(path: "p", type: .data, at: 0)
        #expect(resource.tokens == nil && resource.size == nil)
        resource.tokens = value
        #expect(resource.tokens == value && resource.size == nil)
        resource.size = value
        #expect(resource.size == value && resource.tokens == value)
        resource.tokens = nil
        #expect(resource.tokens == nil && resource.size == value)
    }

    @Test func clearedOptionalsCompareEqualToNeverSet() {
        var resource = SessionResource(path: "p", type: .code, at: 5)
        let fresh = resource
        resource.tokens = 7
        resource.size = 9
        resource.tokens = nil
        resource.size = nil
        #expect(resource == fresh && resource.hashValue == fresh.hashValue)
    }

    @Test func persistedFieldsRoundTripAtTheirExtremes() {
        for type in ResourceType.allCases {
            for (modified, included) in [(false, false), (true, false), (false, true), (true, true)] {
                let counts = AccessCounts(view: Int(UInt32.max), edit: 0, execute: 1, reference: 12)
                let resource = SessionResource(
                    path: "a/very/long/path/that/is/not/a/small/string.swift", type: type,
                    score: DecayedScore(score: .greatestFiniteMagnitude, at: .max), accessCounts: counts,
                    tokens: .max, size: nil, modified: modified, included: included,
                    firstAccessAt: .min, lastAccessAt: .max)
                #expect(resource.type == type && resource.modified == modified && resource.included == included)
                #expect(resource.score == DecayedScore(score: .greatestFiniteMagnitude, at: .max))
                #expect(resource.accessCounts == counts && resource.accessCount == Int(UInt32.max) + 13)
                #expect(resource.tokens == .max && resource.size == nil)
                #expect(resource.firstAccessAt == .min && resource.lastAccessAt == .max)
            }
        }
    }

    @Test func countsClampToTheirRange() {
        let counts = AccessCounts(view: -3, edit: Int.max, execute: Int(UInt32.max) + 1, reference: 42)
        #expect(counts.view == 0 && counts.edit == AccessCounts.maximum && counts.execute == AccessCounts.maximum)
        #expect(counts.reference == 42)
        #expect(counts.total == 2 * AccessCounts.maximum + 42)
    }

    @Test func recordSaturatesInsteadOfWrapping() {
        var counts = AccessCounts(view: AccessCounts.maximum - 1, edit: 0, execute: 0, reference: 0)
        counts.record(.view)
        #expect(counts.view == AccessCounts.maximum)
        counts.record(.view)
        #expect(counts.view == AccessCounts.maximum)
        counts.record(.edit)
        #expect(counts.edit == 1 && counts[.view] == AccessCounts.maximum)
    }

    @Test func totalsKeepSixtyFourBitSums() {
        var totals = AccessCounts.Totals()
        let full = AccessCounts(view: AccessCounts.maximum, edit: 0, execute: 0, reference: 0)
        for _ in 0..<3 { totals.add(full) }
        #expect(totals[.view] == 3 * AccessCounts.maximum)
    }

    @Test func aSaturatedResourceStillAnswersTrack() {
        let persisted = SessionResource(
            path: "hot", type: .code, score: .zero,
            accessCounts: AccessCounts(view: AccessCounts.maximum, edit: 0, execute: 0, reference: 0),
            tokens: nil, size: nil, modified: false, included: false, firstAccessAt: 0, lastAccessAt: 0)
        var state = SessionState(restoring: [persisted], halfLifeSeconds: 60)
        #expect(state.apply(AccessEvent(path: "hot", type: .code, access: .view, at: 1)) == AccessCounts.maximum)
        #expect(state.apply(AccessEvent(path: "hot", type: .code, access: .edit, at: 2)) == AccessCounts.maximum + 1)
    }

    @Test func resourcesKeepFirstTrackedOrderAndLookUpByPath() {
        var state = SessionState()
        for path in ["c", "a", "b", "a"] { state.apply(AccessEvent(path: path, type: .code, access: .view, at: 0)) }
        #expect(state.resources.count == 3 && !state.resources.isEmpty)
        #expect(Array(state.resources.keys) == ["c", "a", "b"])
        #expect(state.resources.values.map(\.accessCount) == [1, 2, 1])
        #expect(state.resources["a"]?.accessCount == 2 && state.resources["z"] == nil)
    }

    @Test func restoringTheSamePathTwiceKeepsTheLastCopy() {
        func resource(_ views: Int, included: Bool) -> SessionResource {
            SessionResource(path: "a", type: .code, score: .zero,
                            accessCounts: AccessCounts(view: views, edit: 0, execute: 0, reference: 0),
                            tokens: nil, size: nil, modified: false, included: included, firstAccessAt: 0, lastAccessAt: 0)
        }
        let state = SessionState(restoring: [resource(5, included: true), resource(2, included: false)], halfLifeSeconds: 60)
        #expect(state.resources.count == 1 && state["a"]?.accessCount == 2)
        #expect(state.totalAccesses == 2 && state.includedPaths.isEmpty)
    }

    @Test func copiesAreIndependent() {
        var parent = SessionState()
        parent.apply(AccessEvent(path: "a", type: .code, access: .view, at: 0))
        var child = SessionState(copying: parent)
        child.apply(AccessEvent(path: "a", type: .code, access: .edit, at: 1))
        child.apply(AccessEvent(path: "b", type: .code, access: .view, at: 1))
        #expect(parent.resources.count == 1 && parent["a"]?.accessCount == 1)
        #expect(child.resources.count == 2 && child["a"]?.accessCount == 2)
    }
}
