import Foundation
import Testing
import TestSupport
@testable import Prioritization

@Suite struct ImportanceTests {
    static let model = ImportanceModel.standard
    static let halfLife = ImportanceModel.standard.defaultHalfLifeMilliseconds
    static let t0: Int64 = 1_700_000_000_000

    static func relativelyEqual(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b), .leastNormalMagnitude)
    }

    @Test func documentedConstants() {
        #expect(Self.model.weight(for: .edit) == 3)
        #expect(Self.model.weight(for: .execute) == 2)
        #expect(Self.model.weight(for: .view) == 1)
        #expect(Self.model.weight(for: .reference) == 0.5)
        #expect(Self.model.modifiedBonus == 1)
        #expect(Self.model.defaultHalfLifeSeconds == 1800)
        // SPEC: EDIT weighs more than VIEW, VIEW more than REFERENCE.
        #expect(Self.model.weight(for: .edit) > Self.model.weight(for: .view))
        #expect(Self.model.weight(for: .view) > Self.model.weight(for: .reference))
    }

    @Test func scoreHalvesEveryHalfLife() {
        var score = DecayedScore.zero
        score.add(1, at: Self.t0, halfLifeMilliseconds: Self.halfLife)
        #expect(score.value(at: Self.t0, halfLifeMilliseconds: Self.halfLife) == 1)
        #expect(Self.relativelyEqual(score.value(at: Self.t0 + 1_800_000, halfLifeMilliseconds: Self.halfLife), 0.5))
        #expect(Self.relativelyEqual(score.value(at: Self.t0 + 3 * 1_800_000, halfLifeMilliseconds: Self.halfLife), 0.125))
        // The SQL function's formula: score * 2^(-(at - score_at)/H) + bonus.
        let sql = score.score * pow(2, -Double(3_600_000) / Self.halfLife) + Self.model.modifiedBonus
        let swift = Self.model.importance(of: score, modified: true, at: Self.t0 + 3_600_000, halfLifeMilliseconds: Self.halfLife)
        #expect(Self.relativelyEqual(sql, swift))
    }

    @Test func weightsAddAsViewsWorth() {
        var edited = SessionState()
        edited.apply(AccessEvent(path: "a", type: .code, access: .edit, at: Self.t0))
        var viewed = SessionState()
        for _ in 0..<3 { viewed.apply(AccessEvent(path: "a", type: .code, access: .view, at: Self.t0)) }
        #expect(edited.importance(of: "a", at: Self.t0 + 60_000) == viewed.importance(of: "a", at: Self.t0 + 60_000))
        var referenced = SessionState()
        referenced.apply(AccessEvent(path: "a", type: .code, access: .reference, at: Self.t0))
        #expect(referenced.importance(of: "a", at: Self.t0) == 0.5)
    }

    @Test func modifiedBonusIsConstantAndDoesNotDecay() {
        var state = SessionState()
        state.apply(AccessEvent(path: "m", type: .code, access: .edit, at: Self.t0, modified: true))
        state.apply(AccessEvent(path: "u", type: .code, access: .edit, at: Self.t0))
        let dayLater = Self.t0 + 86_400_000
        let modified = state.importance(of: "m", at: dayLater)!
        let unmodified = state.importance(of: "u", at: dayLater)!
        #expect(Self.relativelyEqual(modified - unmodified, Self.model.modifiedBonus, 1e-12))
        #expect(modified >= Self.model.modifiedBonus)
        // A later unflagged access does not clear the flag.
        state.apply(AccessEvent(path: "m", type: .code, access: .view, at: dayLater))
        #expect(state["m"]!.modified)
    }

    @Test func eventsInAnyOrderGiveTheSameImportance() {
        var rng = SeededGenerator(seed: 2024)
        for round in 0..<200 {
            let events = (0..<Int.random(in: 1...40, using: &rng)).map { _ in
                AccessEvent(path: "p\(Int.random(in: 0..<4, using: &rng))", type: .code,
                            access: AccessType.allCases.randomElement(using: &rng)!,
                            at: Self.t0 + Int64.random(in: 0...(8 * 3_600_000), using: &rng),
                            modified: Int.random(in: 0..<5, using: &rng) == 0)
            }
            let at = Self.t0 + 9 * 3_600_000
            var inOrder = SessionState()
            for event in events.sorted(by: { $0.at < $1.at }) { inOrder.apply(event) }
            for _ in 0..<3 {
                var shuffled = SessionState()
                for event in events.shuffled(using: &rng) { shuffled.apply(event) }
                for path in inOrder.resources.keys {
                    let a = inOrder.importance(of: path, at: at)!
                    let b = shuffled.importance(of: path, at: at)!
                    #expect(Self.relativelyEqual(a, b), "round \(round) \(path): \(a) vs \(b)")
                    #expect(inOrder[path]!.accessCount == shuffled[path]!.accessCount)
                    #expect(inOrder[path]!.lastAccessAt == shuffled[path]!.lastAccessAt)
                    #expect(inOrder[path]!.firstAccessAt == shuffled[path]!.firstAccessAt)
                }
            }
        }
    }

    /// Events 100 years old underflow to 0 in linear space but still rank in log space.
    @Test func centuryOldEventsStillRankCorrectly() {
        let century: Int64 = 100 * 365 * 86_400_000
        var state = SessionState()
        state.apply(AccessEvent(path: "recent-ish", type: .code, access: .view, at: Self.t0, tokens: 10))
        state.apply(AccessEvent(path: "older", type: .code, access: .view, at: Self.t0 - 3_600_000, tokens: 10))
        state.apply(AccessEvent(path: "edited-older", type: .code, access: .edit, at: Self.t0 - 3_600_000, tokens: 10))
        let now = Self.t0 + century
        let recent = state["recent-ish"]!
        #expect(state.importance(of: recent, at: now) == 0)
        let log2Recent = state.log2Importance(of: recent, at: now)
        #expect(log2Recent.isFinite)
        #expect(log2Recent > state.log2Importance(of: state["older"]!, at: now))
        // EDIT weight 3 two half-lives earlier = 0.75 of a view now: still below "recent-ish".
        #expect(state.top(3, at: now).map(\.resource.path) == ["recent-ish", "edited-older", "older"])
        let packed = Packer.pack(state.candidates(at: now), PackingRequest(budget: 10))
        #expect(packed.chosenPaths == ["recent-ish"])
    }

    @Test func log2ImportanceCombinesTheBonusInLogSpace() {
        var score = DecayedScore.zero
        score.add(3, at: Self.t0, halfLifeMilliseconds: Self.halfLife)
        let at = Self.t0 + 1_800_000
        let linear = Self.model.importance(of: score, modified: true, at: at, halfLifeMilliseconds: Self.halfLife)
        let log = Self.model.log2Importance(of: score, modified: true, at: at, halfLifeMilliseconds: Self.halfLife)
        #expect(Self.relativelyEqual(exp2(log), linear, 1e-12))
        // Ancient but modified: exactly the bonus.
        let ancient = Self.model.log2Importance(of: score, modified: true, at: Self.t0 + 1 << 50, halfLifeMilliseconds: Self.halfLife)
        #expect(ancient == log2(Self.model.modifiedBonus))
    }

    @Test func seedModelReproducesTheSeedFormula() {
        let seed = SeedImportanceModel.seed
        // 30 minutes ago: recency 45; 3 accesses: frequency 6; modified: 20.
        #expect(seed.importance(accessCount: 3, lastAccess: Self.t0 - 1_800_000, modified: true, at: Self.t0) == 71)
        // Frequency caps at 30, recency floors at 0.
        #expect(seed.importance(accessCount: 100, lastAccess: Self.t0 - 6 * 3_600_000, modified: false, at: Self.t0) == 30)
        // Rounded: 50 - 10 * (1/60 h) = 49.83… → 50, plus 2.
        #expect(seed.importance(accessCount: 1, lastAccess: Self.t0 - 60_000, modified: false, at: Self.t0) == 52)
        // Access type has no weight in the seed; half-life plays no part.
        #expect(seed.importance(accessCount: 1, lastAccess: Self.t0, modified: false, at: Self.t0) == 52)
    }
}
