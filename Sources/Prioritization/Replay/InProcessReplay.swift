/// Replays a workload in-process: sessions start empty and apply their events in order; every
/// session feeds one organization's co-access graph. At each expectation the reference scorers
/// choose from the session state, and so does the server's own selection (frecency plus, when
/// `relations` is given, related candidates; optimal packing), computed as the server computes it.
///
/// `prioritizer replay` prints the reference scorers from here next to what the server answered;
/// the tuning benchmark (Benchmarks/RelationTuning) runs the server's selection here with other
/// constants.
public struct InProcessReplay: Sendable {
    public var importance: ImportanceModel
    public var relations: RelationModel?

    public static let ownScorer = "prioritizer (in-process)"

    public init(importance: ImportanceModel = .standard, relations: RelationModel? = .standard) {
        self.importance = importance
        self.relations = relations
    }

    public func run(_ workload: Workload, budgets: [Int], references: [ReferenceScorer] = ReferenceScorer.allCases) -> RecallTally {
        var tally = RecallTally()
        var sessions: [String: SessionState] = [:]
        var windows: [String: CoAccessWindow] = [:]
        var graph = CoAccessGraph(model: relations ?? .standard)
        for line in workload.lines {
            switch line {
            case .event(let session, let event):
                sessions[session, default: SessionState(model: importance)].apply(event)
                if relations != nil {
                    graph.observe(event.path, tokens: event.tokens, at: event.at, in: &windows[session, default: CoAccessWindow()])
                }
            case .expectation(let session, let at, let expect):
                let state = sessions[session] ?? SessionState(model: importance)
                let secondHalf = workload.isSecondHalf(session)
                var candidates = state.candidates(at: at)
                if relations != nil { candidates += state.relatedCandidates(graph, at: at) }
                for budget in budgets {
                    for reference in references {
                        tally.record(scorer: reference.rawValue, budget: budget, secondHalf: secondHalf, expected: expect,
                                     chosen: reference.choose(from: state, budget: budget, at: at))
                    }
                    let result = Packer.pack(candidates, PackingRequest(budget: budget, strategy: .optimal))
                    tally.record(scorer: Self.ownScorer, budget: budget, secondHalf: secondHalf, expected: expect,
                                 chosen: Set(result.chosenPaths))
                }
            }
        }
        return tally
    }
}
