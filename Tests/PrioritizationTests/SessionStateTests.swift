import Testing
@testable import Prioritization

@Suite struct SessionStateTests {
    static let t0: Int64 = 1_700_000_000_000

    static func event(_ path: String, _ access: AccessType = .view, at offset: Int64 = 0, type: ResourceType = .code,
                      modified: Bool = false, tokens: Int? = nil, size: Int? = nil) -> AccessEvent {
        AccessEvent(path: path, type: type, access: access, at: t0 + offset, modified: modified, tokens: tokens, size: size)
    }

    /// TOP keeps a short list by insertion and sorts everything for a long one: both give the
    /// same ranking, ties (equal importance, broken by path) included, with and without path ranks.
    @Test func topRanksAlikeWhetherItInsertsOrSorts() {
        var state = SessionState()
        var generator = SystemRandomNumberGenerator()
        for index in 0..<1_000 {
            // Ten distinct instants and access kinds: many exact ties.
            let access: AccessType = [.view, .edit, .execute, .reference][index % 4]
            state.apply(Self.event("f\(Int.random(in: 0..<100_000, using: &generator)).swift", access, at: Int64(index % 10) * 60_000))
        }
        let at = Self.t0 + 3_600_000
        for prepared in [false, true] {
            if prepared { state.preparePathRanks() }
            let all = state.top(state.resources.count, at: at).map(\.resource.path)
            #expect(all.count == state.resources.count)
            for limit in [1, 10, 64, 65, 100, 124, 125, 126, 500, state.resources.count, 1 << 40] {
                #expect(state.top(limit, at: at).map(\.resource.path) == Array(all.prefix(limit)), "limit \(limit), ranks \(prepared)")
            }
        }
    }

    @Test func applyCountsAccessesAndKeepsTheLatestFacts() {
        var state = SessionState()
        #expect(state.apply(Self.event("a", tokens: 100, size: 400)) == 1)
        #expect(state.apply(Self.event("a", .edit, at: 1000, modified: true)) == 2)
        #expect(state.apply(Self.event("b", .reference, at: 500)) == 1)
        // An older event arrives late: counts, but the type stays the latest event's.
        #expect(state.apply(Self.event("a", .execute, at: -5000, type: .generated, tokens: 120)) == 3)
        let a = state["a"]!
        #expect(a.accessCount == 3)
        #expect(a.accessCount(of: .view) == 1 && a.accessCount(of: .edit) == 1 && a.accessCount(of: .execute) == 1)
        #expect(a.type == .code)
        #expect(a.tokens == 120)  // last known count
        #expect(a.size == 400)
        #expect(a.modified)
        #expect(a.firstAccessAt == Self.t0 - 5000)
        #expect(a.lastAccessAt == Self.t0 + 1000)
        #expect(state.totalAccesses == 4)
        #expect(state.importance(of: "missing", at: Self.t0) == nil)
    }

    @Test func halfLifeIsPerSession() {
        var fast = SessionState(halfLifeSeconds: 60)
        var slow = SessionState()
        fast.apply(Self.event("a"))
        slow.apply(Self.event("a"))
        #expect(fast.importance(of: "a", at: Self.t0 + 60_000) == 0.5)
        #expect(slow.importance(of: "a", at: Self.t0 + 1_800_000) == 0.5)
    }

    @Test func markIncludedSetsExactlyTheChosenSet() {
        var state = SessionState()
        for path in ["a", "b", "c", "d"] { state.apply(Self.event(path, tokens: 10)) }
        state.markIncluded(["a", "b", "unknown"])
        #expect(state.resources.values.filter(\.included).map(\.path).sorted() == ["a", "b"])
        state.markIncluded(["c"])
        #expect(state.resources.values.filter(\.included).map(\.path) == ["c"])
        #expect(state.includedPaths == ["c"])
        state.markIncluded([])
        #expect(state.resources.values.allSatisfy { !$0.included })
    }

    @Test func childSessionCopiesTheParentAsItStands() {
        var parent = SessionState(halfLifeSeconds: 600)
        parent.apply(Self.event("a", .edit, modified: true, tokens: 10))
        parent.apply(Self.event("b", tokens: 20))
        parent.markIncluded(["a"])
        var child = SessionState(copying: parent)
        #expect(child.halfLifeSeconds == 600)
        #expect(child.importance(of: "a", at: Self.t0 + 1) == parent.importance(of: "a", at: Self.t0 + 1))
        #expect(child["a"]!.accessCount == 1 && child["a"]!.modified)
        #expect(child.includedPaths.isEmpty && !child["a"]!.included)
        // The two evolve independently.
        child.apply(Self.event("c"))
        #expect(parent["c"] == nil)
        #expect(SessionState(copying: parent, halfLifeSeconds: 60).halfLifeSeconds == 60)
    }

    @Test func candidatesOfferEveryResourceAndTopRanksThem() {
        var state = SessionState()
        for index in 0..<30 { state.apply(Self.event("f\(index)", at: Int64(index) * 1000, tokens: index == 3 ? nil : 5)) }
        let candidates = state.candidates(at: Self.t0 + 60_000)
        #expect(candidates.count == 30)  // no top-N cut
        #expect(candidates.first { $0.path == "f3" }?.tokens == nil)
        let top = state.top(3, at: Self.t0 + 60_000)
        #expect(top.map(\.resource.path) == ["f29", "f28", "f27"])
        #expect(state.top(100, at: Self.t0).count == 30)
        let total = state.totalImportance(at: Self.t0 + 60_000)
        #expect(abs(total - candidates.reduce(0) { $0 + $1.importance }) < 1e-9)
    }
}
