import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM during `serve`'s start-up: the start-up ends in order, like a stop after it.
@Suite("Signals during start-up") struct StartupSignalTests {
    /// Sent while the embedded cluster has just started and the migrations run (the first start of
    /// a data folder): the server exits 0 and its cluster is stopped. Before the handlers were
    /// installed first, the default action killed the process and left the cluster running.
    @Test func aSigtermWhileMigratingStopsTheEmbeddedClusterAndExitsZero() async throws {
        let folder = URL(fileURLWithPath: "/tmp/prioritizer-startup-signal-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (process, stdout, stderr) = serveProcess(["--data-dir", folder.path, "--host", "127.0.0.1", "--port", "0"])
        try process.run()
        let pidFile = folder.appending(path: "pg/data/postmaster.pid")
        defer {
            // Whatever happened, no cluster outlives the test.
            if FileManager.default.fileExists(atPath: pidFile.path) {
                _ = try? String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").first
                    .flatMap { Int32($0) }.map { kill($0, SIGQUIT) }
            }
        }

        let (signalledBeforeListening, outcome) = try await offloaded { () -> (Bool, Termination) in
            let deadline = ContinuousClock.now + .seconds(60)
            while !stderr.text.contains("embedded PostgreSQL running") && process.isRunning && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            let early = !stdout.text.contains("listening on")
            kill(process.processIdentifier, SIGTERM)
            return (early, Termination.await(process, for: .seconds(30)))
        }
        #expect(stderr.text.contains("embedded PostgreSQL running"), "stderr: \(stderr.text)")
        #expect(outcome == .exited(0), "\(outcome); stderr: \(stderr.text)")
        #expect(!FileManager.default.fileExists(atPath: pidFile.path), "the embedded cluster is still running")
        if !signalledBeforeListening { print("start-up signal test: the server was listening before the signal (the case after start-up)") }
    }
}

/// How a child process ended, read with `waitpid` rather than `Process.waitUntilExit`:
/// Foundation learns of a child's end when a socket the child inherited closes, and a cluster the
/// child started (and left running) inherits it too, so `waitUntilExit` would wait for the
/// cluster instead of the server.
enum Termination: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)
    case stillRunning

    static func await(_ process: Process, for timeout: Duration) -> Termination {
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            switch waitpid(pid, &status, WNOHANG) {
            case pid:
                return status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
            case -1:
                // Foundation reaped it first. Its figures are final once it has recorded the end:
                // reading them before that traps ("task still running"), which once crashed a CI
                // run between Foundation's waitpid and its bookkeeping.
                while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
                guard !process.isRunning else { return .stillRunning }
                return process.terminationReason == .exit
                    ? .exited(process.terminationStatus) : .signalled(process.terminationStatus)
            default:
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return .stillRunning
    }

    var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        case .stillRunning: "still running after SIGTERM (then killed)"
        }
    }
}
