import Foundation
import PQ
import Testing
import TestSupport

/// The pool's circuit breaker: a database that refuses connections costs one attempt, then every
/// borrower fails at once until a background probe gets through.
@Suite("Connection pool circuit breaker") struct CircuitBreakerTests {
    @Test func unreachableDatabaseFailsFastThenRecoversByItself() async throws {
        try await withTestDatabase(migrated: false) { database in
            // Every idle connection is checked before it is lent (no sleep to outlast the threshold).
            let pool = PQConnectionPool(
                conninfo: database.conninfo, capacity: 2, probeInterval: .milliseconds(100), checkAfterIdle: .zero)
            let admin = try await PQConnection.connect(try TestDatabase.adminConninfo())
            #expect(try await pool.withConnection { try await $0.query("SELECT 1")[0].decode(0, as: Int.self) } == 1)

            try await admin.executeScript("ALTER DATABASE \(database.name) ALLOW_CONNECTIONS false")
            // Each call waits (up to 5 s) for its backend to exit, so no sleep guesses at it.
            try await admin.execute("""
                SELECT pg_terminate_backend(pid, \(5_000)::bigint) FROM pg_stat_activity
                WHERE datname = \(database.name) AND pid <> pg_backend_pid()
                """)
            // The idle connection is found dead before it is lent; opening a new one fails and opens the breaker.
            await #expect(throws: PQError.self) { try await pool.withConnection { try await $0.query("SELECT 1") } }
            #expect(await pool.isKnownUnreachable)
            // Meanwhile every borrower fails at once, without a connect attempt of its own.
            let started = ContinuousClock.now
            for _ in 0..<50 {
                await #expect(throws: PQError.self) { try await pool.withConnection { try await $0.query("SELECT 1") } }
            }
            #expect(ContinuousClock.now - started < .seconds(1))

            try await admin.executeScript("ALTER DATABASE \(database.name) ALLOW_CONNECTIONS true")
            let deadline = ContinuousClock.now + .seconds(10)
            while await pool.isKnownUnreachable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await pool.isKnownUnreachable == false)
            #expect(try await pool.withConnection { try await $0.query("SELECT 2")[0].decode(0, as: Int.self) } == 2)
            await pool.close()
            await admin.close()
        }
    }

    @Test func idleConnectionEndedByTheServerIsReplacedBeforeItIsLent() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = PQConnectionPool(conninfo: database.conninfo, capacity: 1, checkAfterIdle: .zero)
            let killer = try await database.connect()
            let first = try await pool.withConnection { await $0.backendPID }
            try await terminateBackend(pid: first, from: killer)
            // No borrower sees the dead connection fail.
            let second = try await pool.withConnection { connection in
                _ = try await connection.query("SELECT 1")
                return await connection.backendPID
            }
            #expect(second != first)
            await pool.close()
            await killer.close()
        }
    }

    /// A database restart ends every pooled connection at once. The first borrower after it,
    /// lent one unchecked (it was idle only briefly), finds it gone; the others are then checked
    /// before they are lent, so nobody else does.
    @Test func aConnectionReturnedBrokenGetsTheIdleOnesChecked() async throws {
        try await withTestDatabase(migrated: false) { database in
            // Idle connections are lent unchecked for a minute: only a broken one coming back
            // can explain a check.
            let pool = PQConnectionPool(conninfo: database.conninfo, capacity: 2, checkAfterIdle: .seconds(60))
            let killer = try await database.connect()
            let pids = try await pool.withConnection { first in
                try await pool.withConnection { second in [await first.backendPID, await second.backendPID] }
            }
            for pid in pids { try await terminateBackend(pid: pid, from: killer) }

            do {
                _ = try await pool.withConnection { try await $0.query("SELECT 1") }
                Issue.record("the first borrower is lent a connection whose backend is gone")
            } catch PQError.connectionLost(_, let duringCommit) {
                #expect(!duringCommit)
            }
            let next = try await pool.withConnection { connection in
                _ = try await connection.query("SELECT 1")
                return await connection.backendPID
            }
            #expect(!pids.contains(next), "the other idle connection was checked, found dead and replaced")
            await pool.close()
            await killer.close()
        }
    }
}
