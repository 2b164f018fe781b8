import Foundation
import Prioritization
import Testing

@Suite("Co-access relations") struct RelationTests {
    static let t0: Int64 = 1_700_000_000_000

    static func event(_ path: String, _ access: AccessType = .view, at: Int64, tokens: Int? = 100) -> AccessEvent {
        AccessEvent(path: path, type: .code, access: access, at: at, modified: access == .edit, tokens: tokens)
    }

    @Test func accessesWithinTheWindowRelateBothWays() {
        var graph = CoAccessGraph()
        var window = CoAccessWindow()
        let minute: Int64 = 60_000
        graph.observe("a", tokens: 10, at: Self.t0, in: &window)
        graph.observe("b", tokens: 20, at: Self.t0 + minute, in: &window)
        // Beyond the 30-minute window of `a` and `b`: related to neither.
        graph.observe("c", tokens: 30, at: Self.t0 + 40 * minute, in: &window)
        #expect(Set(graph.neighbours(of: "a").keys) == ["b"])
        #expect(Set(graph.neighbours(of: "b").keys) == ["a"])
        #expect(graph.neighbours(of: "c").isEmpty)
        #expect(graph.relationCount == 2)
        #expect(graph.tokens(of: "c") == 30)
        // The same access again strengthens the existing relation; a path never relates to itself.
        graph.observe("b", tokens: nil, at: Self.t0 + 40 * minute + 1, in: &window)
        graph.observe("b", tokens: nil, at: Self.t0 + 40 * minute + 2, in: &window)
        #expect(Set(graph.neighbours(of: "b").keys) == ["a", "c"])
        #expect(graph.tokens(of: "b") == 20)
    }

    @Test func neighboursStayBoundedAndKeepTheStrongest() {
        var model = RelationModel.standard
        model.neighboursPerResource = 4
        var graph = CoAccessGraph(model: model)
        // "hub" meets 20 files; "strong" three times as often as any other. The first eight
        // relations are written before the others arrive.
        for index in 0..<8 { graph.strengthen("hub", "file\(index)", by: 1, at: Self.t0 + Int64(index)) }
        let written = Set(graph.takeChanges().upserted.map { "\($0.edge.from)→\($0.edge.to)" })
        #expect(written.count == 16)
        for index in 8..<20 { graph.strengthen("hub", "file\(index)", by: 1, at: Self.t0 + Int64(index)) }
        graph.strengthen("hub", "file0", by: 5, at: Self.t0 + 100)
        #expect(graph.neighbours(of: "hub").count <= 8)
        #expect(graph.neighbours(of: "hub")["file0"] != nil)
        // Every file still knows the hub: bounds are per resource.
        #expect(graph.neighbours(of: "file7")["hub"] != nil)
        // Dropped relations that were written are reported for deletion (those never written
        // need none), kept ones changed since for writing.
        let changes = graph.takeChanges()
        #expect(!changes.removed.isEmpty)
        #expect(changes.removed.allSatisfy { written.contains("\($0.from)→\($0.to)") })
        let upserted = Set(changes.upserted.map { "\($0.edge.from)→\($0.edge.to)" })
        let held = ["hub"] + (0..<20).map { "file\($0)" }
        for from in held {
            for to in graph.neighbours(of: from).keys {
                #expect(upserted.contains("\(from)→\(to)") || written.contains("\(from)→\(to)"), "\(from)→\(to) never written")
            }
        }
        #expect(graph.takeChanges().isEmpty)
    }

    @Test func relatedScoreSharesTheSeedsImportance() throws {
        var graph = CoAccessGraph()
        graph.strengthen("main.rs", "args.rs", by: 3, at: Self.t0)
        graph.strengthen("main.rs", "search.rs", by: 1, at: Self.t0)
        graph.setTokens(50, for: "args.rs")
        var state = SessionState()
        state.apply(Self.event("main.rs", .view, at: Self.t0))
        let importance = try #require(state.importance(of: "main.rs", at: Self.t0))
        let scores = state.relatedScores(graph, at: Self.t0)
        // relationWeight × I(main.rs) × w / Σw.
        let weight = RelationModel.standard.relationWeight
        #expect(abs(scores["args.rs"]! - weight * importance * 0.75) < 1e-12)
        #expect(abs(scores["search.rs"]! - weight * importance * 0.25) < 1e-12)
        // Only untouched resources with a known token count become candidates.
        let candidates = state.relatedCandidates(graph, at: Self.t0)
        #expect(candidates.map(\.path) == ["args.rs"])
        #expect(candidates.first?.tokens == 50)
        state.apply(Self.event("args.rs", at: Self.t0))
        #expect(state.relatedCandidates(graph, at: Self.t0).isEmpty)
    }

    @Test func relationsDecayWithTheirHalfLife() {
        var graph = CoAccessGraph()
        graph.strengthen("a", "b", by: 1, at: Self.t0)
        let later = Self.t0 + Int64(RelationModel.standard.halfLifeMilliseconds)
        let value = graph.neighbours(of: "a")["b"]!.value(at: later, halfLifeMilliseconds: RelationModel.standard.halfLifeMilliseconds)
        #expect(abs(value - 0.5) < 1e-12)
    }

    /// The editor example: exact recall for every scorer (examples/editor-replay/README.md).
    @Test func inProcessReplayOfTheEditorExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let workload = try Workload(contentsOf: root.appending(path: "examples/editor-replay/editor-session.jsonl"))
        #expect(workload.sessions == ["monday", "tuesday"])
        #expect(workload.isSecondHalf("tuesday") && !workload.isSecondHalf("monday"))
        let tally = InProcessReplay().run(workload, budgets: [4_000])
        let own = InProcessReplay.ownScorer
        #expect(tally.recall(scorer: own, budget: 4_000) == 0.75)
        #expect(tally.recall(scorer: own, budget: 4_000, part: .firstHalf) == 0.5)
        #expect(tally.recall(scorer: own, budget: 4_000, part: .secondHalf) == 1.0)
        for reference in ReferenceScorer.allCases {
            #expect(abs(tally.recall(scorer: reference.rawValue, budget: 4_000)! - 5.0 / 12) < 1e-12)
            #expect(abs(tally.recall(scorer: reference.rawValue, budget: 4_000, part: .secondHalf)! - 1.0 / 3) < 1e-12)
        }
        let withoutRelations = InProcessReplay(relations: nil).run(workload, budgets: [4_000])
        #expect(abs(withoutRelations.recall(scorer: own, budget: 4_000)! - 5.0 / 12) < 1e-12)
    }

    @Test func workloadLinesAreValidated() {
        #expect(throws: WorkloadError.self) { try Workload(jsonl: "{\"session\": \"s\", \"at\": 1}\n") }
        #expect(throws: WorkloadError.self) { try Workload(jsonl: "not json\n") }
        #expect(throws: WorkloadError.self) {
            try Workload(jsonl: "{\"session\": \"s\", \"path\": \"a\", \"at\": 1, \"access\": \"LOOK\"}\n")
        }
    }
}

@Suite("Co-access relations: organization bound") struct RelationBoundTests {
    /// Several nodes write one organization's table, so a load may restore more relations than
    /// one node keeps: the bound holds after the load, and the dropped rows are deleted.
    @Test func aLoadOfMoreThanTheBoundKeepsTheStrongestAndDeletesTheRest() {
        var model = RelationModel.standard
        model.maxRelations = 100
        var graph = CoAccessGraph(model: model)
        let t0: Int64 = 1_700_000_000_000
        for index in 0..<150 {
            graph.restore(from: "a\(index)", to: "b\(index)", weight: DecayedScore(score: Double(index + 1), at: t0))
        }
        #expect(graph.relationCount == 150)
        graph.pruneIfOverBound()
        #expect(graph.relationCount == 75)
        #expect(graph.neighbours(of: "a149")["b149"] != nil)
        #expect(graph.neighbours(of: "a0").isEmpty)
        let changes = graph.takeChanges()
        #expect(changes.upserted.isEmpty)
        #expect(changes.removed.count == 75)
        #expect(changes.removed.allSatisfy { Int($0.from.dropFirst())! < 75 })
    }

    @Test func anOrganizationKeepsAtMostMaxRelationsAndDropsTheWeakest() {
        var model = RelationModel.standard
        model.maxRelations = 100
        var graph = CoAccessGraph(model: model)
        let t0: Int64 = 1_700_000_000_000
        // One strong pair, then many weak ones (the first 20 written before the rest arrive): the
        // bound holds and the strong pair survives.
        graph.strengthen("core.rs", "core_test.rs", by: 50, at: t0)
        for index in 0..<20 { graph.strengthen("a\(index)", "b\(index)", by: 1, at: t0 + Int64(index)) }
        let written = graph.takeChanges().upserted.count
        #expect(written == 42)
        for index in 20..<200 { graph.strengthen("a\(index)", "b\(index)", by: 1, at: t0 + Int64(index)) }
        #expect(graph.relationCount <= 100)
        #expect(graph.relationCount >= 75)
        #expect(graph.neighbours(of: "core.rs")["core_test.rs"] != nil)
        // Dropped relations that were written are reported for deletion; those never written, not.
        let changes = graph.takeChanges()
        #expect(changes.removed.count == 40)
        #expect(changes.removed.allSatisfy { $0.from.hasPrefix("a") || $0.from.hasPrefix("b") })
        #expect(changes.upserted.count == graph.relationCount - 2)
    }
}
