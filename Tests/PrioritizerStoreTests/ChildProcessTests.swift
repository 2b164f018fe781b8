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

    @Test func runsInTheEnvironmentGiven() throws {
        #expect(try ChildProcess.run("/usr/bin/env", [], environment: ["ONLY": "this"]).output == "ONLY=this\n")
    }

    /// A descriptor the caller opened without O_CLOEXEC (as NIO's accepted sockets are) is not
    /// the program's: it would hold a connection open after the caller closed it.
    @Test func theCallersOtherDescriptorsAreClosedInTheProgram() throws {
        let inheritable = open("/dev/null", O_RDONLY)
        try #require(inheritable > 2)
        defer { close(inheritable) }
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "[ -e /proc/self/fd/\(inheritable) ] && echo open || echo closed"])
        #expect(outcome.output == "closed\n")
    }

    @Test func standardInputIsEmptyWithoutInput() throws {
        #expect(try ChildProcess.run("/bin/cat", []).output == "")
    }

    /// A program that handles SIGTERM (children inherit the test process's ignored signals, so
    /// a plain `sleep` would not end on it) ends its own way within the grace. The shell sets its
    /// trap first thing: Python, used before, had not yet installed its handler half a second in
    /// on a loaded machine (stop 30's CI), and the signal's default ended it (status 143).
    @Test func terminatesAProgramPastItsTimeout() throws {
        let started = ContinuousClock.now
        let outcome = try ChildProcess.run("/bin/sh", [
            "-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done",
        ], timeout: .seconds(2))
        #expect(outcome.status == 7, "\(outcome.output)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func killsAProgramThatIgnoresTermination() throws {
        let started = ContinuousClock.now
        // `exec sleep` keeps the ignored SIGTERM; the shell itself would wait for a child.
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "trap '' TERM; exec sleep 30"], timeout: .milliseconds(200))
        #expect(outcome.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - started >= ChildProcess.terminationGrace)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A spawned program's output can be read while it runs (the tests' servers announce their
    /// port so), and a signal ends it.
    @Test func aSpawnedProgramsOutputIsReadableWhileItRuns() throws {
        let program = try ChildProcess.spawn("/bin/sh", ["-c", "echo ready; echo note >&2; exec sleep 30"], separateErrors: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while program.output.isEmpty && ContinuousClock.now < deadline { usleep(5_000) }
        #expect(program.output == "ready\n")
        #expect(try program.ending() == nil)
        #expect(program.isRunning)
        program.signal(SIGTERM)
        #expect(try program.ending(before: ContinuousClock.now + .seconds(10)) == .signalled(SIGTERM))
        #expect(!program.isRunning)
        #expect(program.errors == "note\n")
    }

    /// Once reaped, its end is remembered: waitpid would now fail (no such child), and a late
    /// signal is not sent to a pid that may be another process's.
    @Test func aReapedProgramKeepsItsEnding() throws {
        let program = try ChildProcess.spawn("/bin/sh", ["-c", "exit 4"])
        #expect(try program.wait() == .exited(4))
        program.signal(SIGKILL)
        #expect(try program.ending() == .exited(4))
    }

    /// A handle dropped while its program runs takes the program with it: no test leaves a server
    /// behind, running or as a zombie.
    @Test func droppingTheHandleOfARunningProgramKillsAndReapsIt() throws {
        var program: RunningProgram? = try ChildProcess.spawn("/bin/sh", ["-c", "exec sleep 30"])
        let pid = program!.pid
        #expect(kill(pid, 0) == 0)
        program = nil
        // Reaped: no such process, not even a zombie.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }
}
