@testable import PrioritizerServer
import Testing

/// `CommitGate`: small commits of all runners one at a time, in line; large ones beside.
@Suite("Commit turns across runners") struct CommitGateTests {
    final class Runner: Sendable {}

    @Test func smallCommitsWaitInLineAndEachEndingHandsItsSlotToTheFirst() {
        let gate = CommitGate<Runner>(maxInFlight: 4)
        let (a, b, c) = (Runner(), Runner(), Runner())
        #expect(gate.enter(a, writes: 10))
        // Beside a commit in flight, small batches wait, each runner in line once.
        #expect(!gate.enter(b, writes: 10))
        #expect(!gate.enter(c, writes: 10))
        #expect(!gate.enter(b, writes: 12))
        // A's commit ends: the slot goes to B, first in line, without being freed, so A's next
        // small batch must wait behind C.
        #expect(gate.leave() === b)
        #expect(!gate.enter(a, writes: 5))
        #expect(gate.leave() === c)
        #expect(gate.leave() === a)
        // A's commit ends with nobody in line: the slot is freed and the next batch starts.
        #expect(gate.leave() == nil)
        #expect(gate.enter(b, writes: 1))
    }

    @Test func largeBatchesStartBesideUpToTheLimit() {
        let gate = CommitGate<Runner>(maxInFlight: 2)
        let (a, b, c) = (Runner(), Runner(), Runner())
        #expect(gate.enter(a, writes: 1))
        #expect(gate.enter(b, writes: RunnerConfiguration.minimumOverlappingBatch))
        // Two in flight: even a large batch waits now.
        #expect(!gate.enter(c, writes: 500))
        #expect(gate.leave() === c)
        #expect(gate.leave() == nil)
        #expect(gate.leave() == nil)
        #expect(gate.enter(a, writes: 1))
    }
}
