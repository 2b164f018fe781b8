import Prioritization
import Testing
import TestSupport

/// The interned graph learns exactly what the String-keyed one did (`ReferenceCoAccessGraph`):
/// a seeded random stream of TRACKs, LINKs, restores and partial drains, with bounds small enough
/// that both prunings run often and weights tie (same count, same time), checked step by step.
@Suite("Co-access relations: interned graph equals the String-keyed reference")
struct CoAccessGraphEquivalenceTests {
    static let t0: Int64 = 1_700_000_000_000

    static var smallModel: RelationModel {
        var model = RelationModel.standard
        model.neighboursPerResource = 4
        model.maxRelations = 300
        model.windowCapacity = 6
        model.windowMilliseconds = 10 * 60_000
        return model
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aSeededStreamLearnsTheSameRelations(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let model = Self.smallModel
        var graph = CoAccessGraph(model: model)
        var reference = ReferenceCoAccessGraph(model: model)
        // Paths of realistic length, shared prefixes, some short enough to be stored inline.
        let paths = (0..<400).map { $0 % 7 == 0 ? "f\($0)" : "crates/core/src/module\($0 % 13)/file_\($0).rs" }
        // A few relations as if loaded from the database, with tied weights.
        for index in 0..<60 {
            let weight = DecayedScore(score: Double(index % 3 + 1), at: Self.t0 - Int64(index % 4) * 60_000)
            graph.restore(from: paths[index], to: paths[(index * 7 + 1) % 40], weight: weight)
            reference.restore(from: paths[index], to: paths[(index * 7 + 1) % 40], weight: weight)
        }
        var windows = Array(repeating: CoAccessWindow(), count: 8)
        var referenceWindows = Array(repeating: ReferenceCoAccessWindow(), count: 8)
        var states = Array(repeating: SessionState(), count: 8)
        var clock = Self.t0
        for step in 0..<6_000 {
            // Coarse steps so that many events share a time; now and then one arrives late.
            clock += Int64(random.next() % 3) * 1_000
            let time = random.next() % 20 == 0 ? clock - Int64(random.next() % 900_000) : clock
            // Skewed towards a hot set, so some resources gain many neighbours.
            let pick = random.next() % 4 == 0 ? Int(random.next() % 30) : Int(random.next() % UInt64(paths.count))
            let path = paths[pick]
            let session = Int(random.next() % 8)
            switch random.next() % 50 {
            case 0:
                let other = paths[Int(random.next() % UInt64(paths.count))]
                let weight = Double(random.next() % 4) * 0.5
                graph.strengthen(path, other, by: weight, at: time)
                reference.strengthen(path, other, by: weight, at: time)
            case 1:
                let tokens = Int(random.next() % 5_000)
                graph.setTokens(tokens, for: path)
                reference.setTokens(tokens, for: path)
            default:
                let tokens: Int? = random.next() % 3 == 0 ? nil : Int(random.next() % 5_000)
                graph.observe(path, tokens: tokens, at: time, in: &windows[session])
                reference.observe(path, tokens: tokens, at: time, in: &referenceWindows[session])
                states[session].apply(AccessEvent(path: path, type: .code, access: .view, at: time, tokens: tokens))
            }
            #expect(graph.relationCount == reference.relationCount)
            if step % 250 == 0 {
                try Self.expectSameRelations(graph, reference, paths: paths)
                Self.expectSameCandidates(graph, reference, states: states, at: clock)
                Self.expectSamePartialDrain(&graph, &reference, limit: Int(random.next() % 200))
            }
        }
        try Self.expectSameRelations(graph, reference, paths: paths)
        Self.expectSameCandidates(graph, reference, states: states, at: clock)
        Self.expectSameChanges(graph.takeChanges(), reference.takeChanges())
    }

    /// The organization bound with every weight equal: which relations survive is decided by the
    /// tie-break in path order alone.
    @Test func globalPruningBreaksTiesInPathOrder() throws {
        var model = RelationModel.standard
        model.maxRelations = 50
        var graph = CoAccessGraph(model: model)
        var reference = ReferenceCoAccessGraph(model: model)
        let paths = (0..<60).map { "p\(($0 * 37) % 60)" }
        for index in 0..<60 {
            graph.strengthen(paths[index], paths[(index + 1) % 60], by: 1, at: Self.t0)
            reference.strengthen(paths[index], paths[(index + 1) % 60], by: 1, at: Self.t0)
            #expect(graph.relationCount == reference.relationCount)
        }
        try Self.expectSameRelations(graph, reference, paths: paths)
        Self.expectSameChanges(graph.takeChanges(), reference.takeChanges())
    }

    /// A window keeps paths, not just one graph's ids: fed to a graph loaded anew, it relates the
    /// same paths as the String window did (ids would name other paths there).
    @Test func aWindowFedToAnotherGraphRelatesTheSamePaths() throws {
        var first = CoAccessGraph()
        var window = CoAccessWindow()
        var reference = ReferenceCoAccessGraph()
        var referenceWindow = ReferenceCoAccessWindow()
        for (index, path) in ["a", "b", "c"].enumerated() {
            first.observe(path, tokens: nil, at: Self.t0 + Int64(index), in: &window)
            reference.observe(path, tokens: nil, at: Self.t0 + Int64(index), in: &referenceWindow)
        }
        // Another graph that numbered other paths first.
        var second = CoAccessGraph()
        second.strengthen("x", "y", by: 1, at: Self.t0)
        var referenceSecond = ReferenceCoAccessGraph()
        referenceSecond.strengthen("x", "y", by: 1, at: Self.t0)
        second.observe("d", tokens: nil, at: Self.t0 + 10, in: &window)
        referenceSecond.observe("d", tokens: nil, at: Self.t0 + 10, in: &referenceWindow)
        #expect(Set(second.neighbours(of: "d").keys) == ["a", "b", "c"])
        try Self.expectSameRelations(second, referenceSecond, paths: ["a", "b", "c", "d", "x", "y"])
    }

    static func expectSameRelations(_ graph: CoAccessGraph, _ reference: ReferenceCoAccessGraph, paths: [String]) throws {
        #expect(graph.relationCount == reference.relationCount)
        #expect(graph.pendingChangeCount == reference.pendingChangeCount)
        for path in paths {
            #expect(graph.neighbours(of: path) == reference.neighbours(of: path), "neighbours of \(path)")
            #expect(graph.tokens(of: path) == reference.tokens(of: path), "tokens of \(path)")
        }
    }

    /// Candidates' paths and tokens exactly; importance to rounding, since each seed's total is
    /// summed in the graph's own neighbour order (the reference's is its dictionary's).
    static func expectSameCandidates(
        _ graph: CoAccessGraph, _ reference: ReferenceCoAccessGraph, states: [SessionState], at time: Int64
    ) {
        for state in states {
            let mine = state.relatedCandidates(graph, at: time)
            let theirs = state.referenceRelatedCandidates(reference, at: time)
            #expect(mine.map(\.path) == theirs.map(\.path))
            #expect(mine.map(\.tokens) == theirs.map(\.tokens))
            for (a, b) in zip(mine, theirs) {
                #expect(abs(a.importance - b.importance) <= 1e-12 * max(1, abs(b.importance)))
            }
        }
    }

    /// A drain of `limit` changes takes that many pending ones with their current weights; put
    /// back as after a failed write, everything pending is the same again. The reference is told
    /// which relations were taken: they count as stored from then on (their write might have
    /// committed), so a later drop of one must be deleted.
    static func expectSamePartialDrain(_ graph: inout CoAccessGraph, _ reference: inout ReferenceCoAccessGraph, limit: Int) {
        let pending = graph.pendingChangeCount
        let taken = graph.takeChanges(limit: limit)
        #expect(taken.upserted.count + taken.removed.count == min(limit, pending))
        for (edge, weight) in taken.upserted {
            #expect(reference.neighbours(of: edge.from)[edge.to] == weight)
            reference.takeAndPutBack(from: edge.from, to: edge.to)
        }
        for edge in taken.removed {
            #expect(reference.neighbours(of: edge.from)[edge.to] == nil)
            reference.takeAndPutBack(from: edge.from, to: edge.to)
        }
        graph.markChanged(taken)
        #expect(graph.pendingChangeCount == pending)
        #expect(reference.pendingChangeCount == pending)
    }

    static func expectSameChanges(_ mine: CoAccessGraph.Changes, _ theirs: ReferenceCoAccessGraph.Changes) {
        let upserted = Dictionary(uniqueKeysWithValues: mine.upserted.map { ("\($0.edge.from)→\($0.edge.to)", $0.weight) })
        let referenceUpserted = Dictionary(uniqueKeysWithValues: theirs.upserted.map { ("\($0.edge.from)→\($0.edge.to)", $0.weight) })
        #expect(upserted == referenceUpserted)
        #expect(Set(mine.removed.map { "\($0.from)→\($0.to)" }) == Set(theirs.removed.map { "\($0.from)→\($0.to)" }))
    }
}
