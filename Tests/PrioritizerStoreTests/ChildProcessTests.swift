import Foundation
@testable import PrioritizerStore
import Testing

/// `ChildProcess`: what starts the embedded PostgreSQL's tools, and the tests' command-line tools.
@Suite struct ChildProcessTests {
    @Test func givesInputAndCollectsOutputAndStatus() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "cat; echo oops >&2; exit 3"], input: "hello\n")
        #expect(outcome.status == 3)
        #expect(outcome.output == "hello\noops\n")
        #expect(outcome.errors == "")
    }

    @Test func keepsErrorsApartWhenAsked() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2"], separateErrors: true)
        #expect(outcome.status == 0)
        #expect(outcome.output == "out\n")
        #expect(outcome.errors == "err\n")
    }

    @Test func standardInputIsEmptyWithoutInput() throws {
        #expect(try ChildProcess.run("/bin/cat", []).output == "")
    }

    @Test func killsAProgramPastItsTimeout() throws {
        let started = ContinuousClock.now
        let outcome = try ChildProcess.run("/bin/sleep", ["30"], timeout: .milliseconds(200))
        #expect(outcome.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
