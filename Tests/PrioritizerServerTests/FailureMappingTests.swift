import PQ
@testable import PrioritizerServer
@testable import PrioritizerStore
import Testing

/// How store failures reach clients, and how failed logins are slowed.
@Suite("Failure mapping and login throttle") struct FailureMappingTests {
    /// A COMMIT whose connection was lost has an unknown outcome: it must come back as an error
    /// (-TRYAGAIN), never as an acknowledgement, and the session is then reloaded from the rows.
    @Test func commitWithUnknownOutcomeIsAnErrorNotAnAck() {
        let lost = PQError.connectionLost(message: "server closed the connection unexpectedly", duringCommit: true)
        let translated = StoreError.translating(lost)
        guard case StoreError.unavailable(let message) = translated else {
            Issue.record("not translated to unavailable: \(translated)")
            return
        }
        #expect(message.contains("outcome unknown"))
        #expect(SessionRunner.replyError(for: translated) == .tryAgain)
        // Every connection-level failure is -TRYAGAIN too.
        for error in [
            PQError.connectFailed(message: "no such file"), .connectionLost(message: "x", duringCommit: false),
            .server(sqlState: "57P01", message: "terminating connection", detail: nil, hint: nil),
        ] {
            #expect(SessionRunner.replyError(for: StoreError.translating(error)) == .tryAgain, "\(error)")
        }
    }

    @Test func loginDelaysGrowAfterTheFreeFailuresAndAreBounded() {
        let policy = AuthThrottle.Policy()
        #expect((1...5).allSatisfy { policy.delay(afterFailures: $0) == .zero })
        #expect(policy.delay(afterFailures: 6) == .milliseconds(100))
        #expect(policy.delay(afterFailures: 7) == .milliseconds(200))
        #expect(policy.delay(afterFailures: 9) == .milliseconds(800))
        #expect(policy.delay(afterFailures: 11) == .seconds(2))
        #expect(policy.delay(afterFailures: 1_000_000) == .seconds(2))
    }

    @Test func failuresAreCountedPerPeerAndForgottenWhenQuiet() async throws {
        let throttle = AuthThrottle(policy: .init(freeFailures: 1, baseDelay: .milliseconds(10), forgetAfter: .milliseconds(200), maxPeers: 3))
        #expect(throttle.recordFailure(peer: "10.0.0.1") == .zero)
        #expect(throttle.recordFailure(peer: "10.0.0.1") == .milliseconds(10))
        #expect(throttle.recordFailure(peer: "10.0.0.1") == .milliseconds(20))
        #expect(throttle.recordFailure(peer: "10.0.0.2") == .zero)
        try await Task.sleep(for: .milliseconds(300))
        #expect(throttle.recordFailure(peer: "10.0.0.1") == .zero, "not forgotten after a quiet spell")
        // A flood from many addresses: memory stays bounded.
        for index in 0..<100 { _ = throttle.recordFailure(peer: "192.168.0.\(index)") }
        #expect(throttle.rememberedPeers <= 3)
    }
}
