import Testing
import TestSupport
@testable import Prioritization

/// The graph forgets paths no relation names any more (`CoAccessGraph.compactPaths`): its memory
/// stays bounded however many distinct paths an organization meets, and what it has learned is
/// exactly what a graph that never compacts has learned.
@Suite struct PathCompactionTests {
    static let t0: Int64 = 1_700_000_000_000

    static var smallModel: RelationModel {
        var model = RelationModel.standard
        model.neighboursPerResource = 4
        model.maxRelations = 300
        model.windowCapacity = 6
        model.windowMilliseconds = 10 * 60_000
        return model
    }

    /// 60,000 accesses, nearly all to paths never seen before (a build writing temporary files),
    /// with the changes drained as the registry's writer drains them. Without compaction the
    /// table held every one of them (54,028), and the test took 99 s instead of 6: global pruning
    /// walks every path's list.
    @Test func aStreamOfNewPathsKeepsThePathTableBounded() {
        var graph = CoAccessGraph(model: Self.smallModel)
        graph.pathCompactionFloor = 1_000
        var windows = Array(repeating: CoAccessWindow(), count: 8)
        var random = SeededGenerator(seed: 7)
        var largest = 0
        for step in 0..<60_000 {
            let path = random.next() % 10 == 0 ? "src/hot\(random.next() % 30).swift" : "build/tmp/\(step).o"
            graph.observe(path, tokens: 10, at: Self.t0 + Int64(step) * 100, in: &windows[Int(random.next() % 8)])
            largest = max(largest, graph.paths.count)
            if step % 1_000 == 999 {
                _ = graph.takeChanges()
                #expect(graph.lists.count == graph.paths.count && graph.tokenCounts.count == graph.paths.count)
            }
        }
        // The relations' endpoints and the pending DELETEs' bound what is kept (300 relations,
        // 1,000 changes drained at a time), and the table doubles at most before compacting.
        #expect(largest <= 2 * max(graph.pathCompactionFloor, 2 * (Self.smallModel.maxRelations + 2_000)))
        #expect(largest < 10_000, "the path table reached \(largest) paths")
        #expect(graph.relationCount > 0)
        #expect(graph.neighbours(of: "src/hot1.swift").isEmpty == false)
    }

    /// A seeded stream of TRACKs, LINKs, token counts and partial drains (put back as after a
    /// failed write) into a graph that compacts often and one that never does: the same relations,
    /// weights, pending writes and DELETEs, and related scores at every check. Token counts may
    /// only have been forgotten (a path that was related to nothing at a compaction), never changed.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func compactingChangesNothingLearned(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var compacting = CoAccessGraph(model: Self.smallModel)
        compacting.pathCompactionFloor = 64
        var plain = CoAccessGraph(model: Self.smallModel)
        plain.pathCompactionFloor = .max
        var windows = Array(repeating: CoAccessWindow(), count: 8)
        var plainWindows = Array(repeating: CoAccessWindow(), count: 8)
        var states = Array(repeating: SessionState(), count: 8)
        let hot = (0..<300).map { $0 % 7 == 0 ? "f\($0)" : "crates/core/src/module\($0 % 13)/file_\($0).rs" }
        var seen = Set(hot)
        var clock = Self.t0
        var compactions = 0
        for step in 0..<6_000 {
            clock += Int64(random.next() % 3) * 1_000
            let time = random.next() % 20 == 0 ? clock - Int64(random.next() % 900_000) : clock
            // Half of the accesses to paths met once: what compaction forgets once their relations go.
            let path = random.next() % 2 == 0 ? "tmp/\(step).rs" : hot[Int(random.next() % UInt64(hot.count))]
            seen.insert(path)
            let session = Int(random.next() % 8)
            let identity = compacting.identity
            switch random.next() % 50 {
            case 0:
                let other = hot[Int(random.next() % UInt64(hot.count))]
                let weight = Double(random.next() % 4) * 0.5
                compacting.strengthen(path, other, by: weight, at: time)
                plain.strengthen(path, other, by: weight, at: time)
            case 1:
                let tokens = Int(random.next() % 5_000)
                compacting.setTokens(tokens, for: path)
                plain.setTokens(tokens, for: path)
            default:
                let tokens: Int? = random.next() % 3 == 0 ? nil : Int(random.next() % 5_000)
                compacting.observe(path, tokens: tokens, at: time, in: &windows[session])
                plain.observe(path, tokens: tokens, at: time, in: &plainWindows[session])
                states[session].apply(AccessEvent(path: path, type: .code, access: .view, at: time, tokens: tokens))
            }
            if compacting.identity != identity { compactions += 1 }
            #expect(compacting.relationCount == plain.relationCount)
            #expect(compacting.pendingChangeCount == plain.pendingChangeCount)
            if step % 250 == 0 {
                Self.expectSameLearning(compacting, plain, paths: seen, states: states, at: clock)
                if step % 1_000 == 0 {
                    Self.expectSameChanges(compacting.takeChanges(), plain.takeChanges())
                } else {
                    // A partial drain takes the upserts in the same order; the DELETEs come in the
                    // order of their keys, which renumbering changes, so only their count is the
                    // same. Both are put back, as after a failed write.
                    let limit = Int(random.next() % 200)
                    let taken = compacting.takeChanges(limit: limit)
                    let plainTaken = plain.takeChanges(limit: limit)
                    Self.expectSameChanges(taken, plainTaken, removalsInOrder: false)
                    compacting.markChanged(taken)
                    plain.markChanged(plainTaken)
                }
            }
        }
        Self.expectSameLearning(compacting, plain, paths: seen, states: states, at: clock)
        Self.expectSameChanges(compacting.takeChanges(), plain.takeChanges())
        #expect(compactions >= 5)
        #expect(compacting.paths.count < plain.paths.count / 2)
    }

    /// A session's window spans a compaction that renumbers its paths: the next access relates
    /// the right paths, and the unrelated path's token count is gone while the related ones stay.
    @Test func aWindowAcrossACompactionRelatesTheRightPaths() {
        var graph = CoAccessGraph()
        var window = CoAccessWindow()
        for index in 0..<10 { graph.setTokens(index, for: "unrelated\(index).md") }
        graph.observe("a.swift", tokens: 1, at: Self.t0, in: &window)
        graph.observe("b.swift", tokens: 2, at: Self.t0 + 1, in: &window)
        graph.compactPaths()
        #expect(graph.paths.count == 2)
        #expect(graph.tokens(of: "unrelated3.md") == nil)
        graph.observe("c.swift", tokens: 3, at: Self.t0 + 2, in: &window)
        #expect(Set(graph.neighbours(of: "c.swift").keys) == ["a.swift", "b.swift"])
        #expect(Set(graph.neighbours(of: "a.swift").keys) == ["b.swift", "c.swift"])
        #expect([graph.tokens(of: "a.swift"), graph.tokens(of: "b.swift"), graph.tokens(of: "c.swift")] == [1, 2, 3])
        #expect(graph.relationCount == 6)
    }

    /// A path whose count a session stated, but that was related to nothing yet when the paths
    /// were compacted, keeps its count through the session's window: once related, it is offered
    /// with it. Before, the count was gone until some TRACK stated it again.
    @Test func aCountInAWindowOutlivesACompaction() {
        var graph = CoAccessGraph()
        var window = CoAccessWindow()
        var other = CoAccessWindow()
        graph.observe("first.swift", tokens: 100, at: Self.t0, in: &window)
        graph.observe("elsewhere.swift", tokens: 5, at: Self.t0, in: &other)
        graph.compactPaths()
        #expect(graph.tokens(of: "first.swift") == nil)
        graph.observe("second.swift", tokens: nil, at: Self.t0 + 1, in: &window)
        #expect(Set(graph.neighbours(of: "second.swift").keys) == ["first.swift"])
        #expect(graph.tokens(of: "first.swift") == 100)
        var state = SessionState()
        state.apply(AccessEvent(path: "second.swift", type: .code, access: .view, at: Self.t0 + 1, tokens: 7))
        #expect(state.relatedCandidates(graph, at: Self.t0 + 2).map(\.tokens) == [100])
    }

    static func expectSameLearning(
        _ compacting: CoAccessGraph, _ plain: CoAccessGraph, paths: Set<String>, states: [SessionState], at time: Int64
    ) {
        for path in paths {
            #expect(compacting.neighbours(of: path) == plain.neighbours(of: path), "neighbours of \(path)")
            if let tokens = compacting.tokens(of: path) { #expect(plain.tokens(of: path) == tokens, "tokens of \(path)") }
        }
        for state in states {
            let mine = state.relatedScores(compacting, at: time)
            let theirs = state.relatedScores(plain, at: time)
            #expect(Set(mine.keys) == Set(theirs.keys))
            for (path, score) in mine {
                let other = theirs[path] ?? .nan
                #expect(abs(score - other) <= 1e-12 * max(1, abs(other)), "related score of \(path)")
            }
        }
    }

    /// `removalsInOrder`: whether the same DELETEs were taken (else only as many).
    static func expectSameChanges(_ mine: CoAccessGraph.Changes, _ theirs: CoAccessGraph.Changes, removalsInOrder: Bool = true) {
        #expect(mine.upserted.map { "\($0.edge.from)→\($0.edge.to)" } == theirs.upserted.map { "\($0.edge.from)→\($0.edge.to)" })
        #expect(mine.upserted.map(\.weight) == theirs.upserted.map(\.weight))
        if removalsInOrder {
            #expect(Set(mine.removed.map { "\($0.from)→\($0.to)" }) == Set(theirs.removed.map { "\($0.from)→\($0.to)" }))
        } else {
            #expect(mine.removed.count == theirs.removed.count)
        }
    }
}
