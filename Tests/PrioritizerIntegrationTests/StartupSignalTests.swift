import Foundation
@testable import PrioritizerStore
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
        let server = try startServe(["--data-dir", folder.path, "--host", "127.0.0.1", "--port", "0"])
        let pidFile = folder.appending(path: "pg/data/postmaster.pid")
        defer {
            // Whatever happened, no cluster outlives the test.
            if FileManager.default.fileExists(atPath: pidFile.path) {
                _ = try? String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").first
                    .flatMap { Int32($0) }.map { kill($0, SIGQUIT) }
            }
        }

        // The server's own end, read with waitpid: the cluster it started (and might leave
        // running) is not what is waited for.
        let (signalledBeforeListening, ending) = try await offloaded { () -> (Bool, RunningProgram.Ending?) in
            let deadline = ContinuousClock.now + .seconds(60)
            while !server.errors.contains("embedded PostgreSQL running") && server.isRunning && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            let early = !server.output.contains("listening on")
            server.signal(SIGTERM)
            return (early, try server.ending(before: ContinuousClock.now + .seconds(30)))
        }
        #expect(server.errors.contains("embedded PostgreSQL running"), "stderr: \(server.errors)")
        #expect(ending == .exited(0), "\(ending.map(\.description) ?? "still running 30 s after SIGTERM"); stderr: \(server.errors)")
        #expect(!FileManager.default.fileExists(atPath: pidFile.path), "the embedded cluster is still running")
        if !signalledBeforeListening { print("start-up signal test: the server was listening before the signal (the case after start-up)") }
    }
}
