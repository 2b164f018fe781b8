import Foundation
import PQ
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

    /// Sent while a migration waits for a table that an open transaction has read (an analyst's
    /// report): the wait ends at once, the migration is rolled back, and the server exits 0.
    /// Before, the migrator's pauses looked at nothing, and a contended migration held the
    /// signal off for up to ten minutes.
    @Test func aSigtermWhileAMigrationWaitsForALockStopsAtOnce() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let before = Migration.embedded.filter { $0.version < 17 }  // 0017 alters prioritization_runs
            try await Migrator(migrations: before).migrate(connection)
            try await connection.executeScript("BEGIN; SELECT count(*) FROM prioritizer.prioritization_runs")
            let server = try startServe(["--database-url", database.conninfo, "--host", "127.0.0.1", "--port", "0"])
            let watcher = try await database.connect()
            let deadline = ContinuousClock.now + .seconds(30)
            var waiting = 0
            while waiting == 0 && ContinuousClock.now < deadline {
                waiting = try await watcher.query("""
                    SELECT count(*) FROM pg_locks
                    WHERE NOT granted AND relation = 'prioritizer.prioritization_runs'::regclass
                    """)[0].decode(0, as: Int.self)
                if waiting == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(waiting > 0, "the migration never waited; stderr: \(server.errors)")
            let signalled = ContinuousClock.now
            let ending = try await offloaded { () -> RunningProgram.Ending? in
                server.signal(SIGTERM)
                return try server.ending(before: ContinuousClock.now + .seconds(10))
            }
            #expect(ending == .exited(0), "\(ending.map(\.description) ?? "still running 10 s after SIGTERM"); stderr: \(server.errors)")
            #expect(ContinuousClock.now - signalled < .seconds(5))
            #expect(server.errors.contains("stopped while a migration waited for a lock"), "\(server.errors)")
            let applied = try await watcher.query("SELECT count(*) FROM prioritizer.schema_migrations WHERE version = 17")
            #expect(try applied[0].decode(0, as: Int.self) == 0)
            try await connection.executeScript("ROLLBACK")
            if ending == nil { server.signal(SIGKILL) }
            await connection.close()
            await watcher.close()
        }
    }
}
