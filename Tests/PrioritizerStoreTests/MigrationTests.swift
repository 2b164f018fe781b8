import Foundation
import PQ
import PrioritizerStore
import Testing
import TestSupport

@Suite("Migrations") struct MigrationTests {
    @Test func freshDatabaseGetsEveryMigrationAndASecondRunIsANoOp() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let applied = try await Migrator().migrate(connection)
            #expect(applied.map(\.version) == Migration.embedded.map(\.version))
            #expect(applied.count >= 3)
            let again = try await Migrator().migrate(connection)
            #expect(again.isEmpty)
            let rows = try await connection.query("SELECT version, checksum FROM prioritizer.schema_migrations ORDER BY version")
            #expect(try rows.map { try $0.decode(0, as: Int.self) } == Migration.embedded.map(\.version))
            #expect(try rows.map { try $0.decode(1, as: String.self) } == Migration.embedded.map(\.checksum))
            for table in ["organizations", "agents", "sessions", "resources", "session_resources", "access_logs",
                          "prioritization_runs"] {
                let row = try await connection.query("""
                    SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'prioritizer' AND c.relname = \(table)
                    """)[0]
                #expect(try row.decode(0, as: Bool.self), "RLS enabled on \(table)")
                #expect(try row.decode(1, as: Bool.self), "RLS forced on \(table)")
            }
        }
    }

    /// Each migration runs in a transaction of its own that locks the ledger first, so migrators
    /// started together take turns migration by migration: every one succeeds, and together they
    /// apply each migration once, in order.
    @Test func concurrentMigratorsTakeTurns() async throws {
        try await withTestDatabase(migrated: false) { database in
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let connection = try await database.connect()
                        return try await Migrator().migrate(connection).map(\.version)
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            let all = Migration.embedded.map(\.version)
            #expect(results.flatMap { $0 }.sorted() == all, "each migration applied once: \(results)")
            for versions in results { #expect(versions == versions.sorted()) }
            let connection = try await database.connect()
            let ledger = try await connection.query("SELECT version FROM prioritizer.schema_migrations ORDER BY applied_at, version")
            #expect(try ledger.map { try $0.decode(0, as: Int.self) } == all, "applied in order")
        }
    }

    @Test func anEditedAppliedMigrationIsRefused() async throws {
        try await withTestDatabase(migrated: true) { database in
            let connection = try await database.connect()
            var edited = Migration.embedded
            edited[0] = Migration(version: edited[0].version, name: edited[0].name, sql: edited[0].sql + "\n-- edited\n")
            await #expect(throws: MigrationError.self) { try await Migrator(migrations: edited).migrate(connection) }
            await #expect(throws: MigrationError.self) { try await Migrator(migrations: edited).verify(connection) }
            try await Migrator().verify(connection)
        }
    }

    @Test func aDatabaseNewerThanTheBinaryIsRefused() async throws {
        try await withTestDatabase(migrated: true) { database in
            let connection = try await database.connect()
            let older = Array(Migration.embedded.dropLast())
            await #expect(throws: MigrationError.self) { try await Migrator(migrations: older).migrate(connection) }
        }
    }

    @Test func aFailingMigrationLeavesNoTrace() async throws {
        try await withTestDatabase(migrated: true) { database in
            let connection = try await database.connect()
            let broken = Migration.embedded + [
                Migration(version: 9999, name: "9999_broken.sql", sql: "CREATE TABLE prioritizer.half_done (x int); SELECT 1/0;"),
            ]
            await #expect(throws: PQError.self) { try await Migrator(migrations: broken).migrate(connection) }
            let row = try await connection.query("""
                SELECT to_regclass('prioritizer.half_done') IS NULL,
                       (SELECT count(*) FROM prioritizer.schema_migrations WHERE version = 9999)
                """)[0]
            #expect(try row.decode(0, as: Bool.self))
            #expect(try row.decode(1, as: Int.self) == 0)
        }
    }
}
