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

    /// Every migration file's checksum, pinned: a database that applied a file refuses a binary
    /// whose file differs. A migration is history; a change to the schema is a new migration.
    /// (Comment-only edits of 0007 and 0011 went unnoticed until a database migrated in between
    /// would have been refused; `Migrator.formerChecksums` accepts those.) A new migration adds
    /// its line here.
    @Test func migrationFilesAreNotEditedOnceAdded() {
        let pinned: [Int: String] = [
            1: "4f037db65bbedcc9fe24980e294746c7126122f94b92fef7d5faa4b26dac472c",
            2: "66eebbfe8570d66e434422a269190c58025756e99e90db545d0515999e9f77ea",
            3: "965bde03160f8c516d4b742e8d167d2dcba2dea950778c5e3303f1f9940e8c37",
            4: "60bca6e41b7c533dd5e1e2f5a71f40da7e434c5746358b2a4d961acb5b718cf8",
            5: "9a7622ef6d60858a024632398f903e84c2e4230253c6030414b13c8b9c57399a",
            6: "9180be70de56fc92a9082392cde5236ba3fbc51b33c6baa4cbefbdc6820742fa",
            7: "6222f67614175679a0688cbccf7fd19b3e96a83f909ce3e498c36e1645adbd96",
            8: "9d3ccf73a86edadeec269f9639f9d8a31e1914afdf7735bdcd819318babd4acd",
            9: "31dd6626c9236fae58a7ff86d8a8e49e4ced3f658353d6254b56ec327b91bcf9",
            10: "4dccfa408c0b9b6d397505569fa24170602d6c13e380f6e098da7acab7ea3895",
            11: "ff366efcefe3a305dfed35b0ea94c5ece58be3ad55359bf0c20a19a1f273bc88",
            12: "356f32f8585301e5fbee2a1c9c60f491241904a631b138e332d73fc3d4a23824",
            13: "63a9f62800d1cd4f6d903b16a197864ae2b738f8cf70eb5d1b5e2d6272f8c19e",
            14: "8f7921f592f93c4199a5ecda08c17ad4e4ec6d06f2ab7deeb084a2f4cdabdee6",
            15: "dbf66ffe34643cf71458efc790f91f5602d45075d7080e423af2939568464468",
            16: "328bf8ccb5f4ddd05f2d6526b4331511fd62599f2f581fd37c3e32ee5a78c12e",
            17: "44f776d541427a8a861ba0e2646ad0c5fe0e1c0ce4929f4e4979df7f4d820569",
            18: "d8132f0073ac85580985ff9ed68404fc6632088df1cc32e43d18ef7057092030",
            19: "ea7297b345f84c79ebe8caa3105b53efe78009bf86a14e8a830f594e63476ac3",
        ]
        #expect(Set(Migration.embedded.map(\.version)) == Set(pinned.keys), "a migration was added or removed: pin it here")
        for migration in Migration.embedded {
            #expect(migration.checksum == pinned[migration.version], "\(migration.name) was edited after it was added")
        }
    }

    @Test func aLedgerWithAFormerChecksumOfACommentOnlyEditIsAccepted() async throws {
        try await withTestDatabase(migrated: true) { database in
            let connection = try await database.connect()
            try await connection.execute("""
                UPDATE prioritizer.schema_migrations
                SET checksum = 'b5428c447f29f56d4160a40d8c20242b3bf6098093190750acd5d943d5a8a484' WHERE version = 7
                """)
            try await Migrator().verify(connection)
            #expect(try await Migrator().migrate(connection).isEmpty)
            try await connection.execute("UPDATE prioritizer.schema_migrations SET checksum = 'other' WHERE version = 11")
            await #expect(throws: MigrationError.self) { try await Migrator().verify(connection) }
        }
    }

    /// A migration that needs `prioritization_runs`' exclusive lock.
    private static let probeMigration = Migration(
        version: 9999, name: "9999_probe.sql", sql: "ALTER TABLE prioritizer.prioritization_runs ADD COLUMN probe int")

    /// A connection in a transaction that has read `prioritization_runs` (and holds its read lock).
    private static func openReader(of database: TestDatabase) async throws -> PQConnection {
        let reader = try await database.connect()
        try await reader.executeScript("BEGIN; SELECT count(*) FROM prioritizer.prioritization_runs")
        return reader
    }

    /// Waits until some session waits for an exclusive lock on `prioritization_runs`.
    private static func untilAMigrationWaits(on connection: PQConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let waiting = try await connection.query("""
                SELECT count(*) FROM pg_locks
                WHERE NOT granted AND mode = 'AccessExclusiveLock' AND relation = 'prioritizer.prioritization_runs'::regclass
                """)[0].decode(0, as: Int.self)
            if waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no migration came to wait for the table's lock")
    }

    /// A migration's DDL waits for every transaction that read its table to end, and while it
    /// waits every later statement on that table queues behind it. The migrator waits at most
    /// `lockWait` at a time, and holds the ledger meanwhile, so that other migrators wait there
    /// instead of queueing on the table: a reader's open transaction (an analyst's report, say)
    /// delays the migrations, not everyone's traffic with them.
    @Test func migratorsWaitingForAReadersLockGiveWayToOtherTraffic() async throws {
        try await withTestDatabase(migrated: true) { database in
            let reader = try await Self.openReader(of: database)
            let extra = Self.probeMigration
            let migrator = Migrator(migrations: Migration.embedded + [extra], lockWait: .milliseconds(300), lockAttempts: 200)
            let migrating = (0..<3).map { _ in
                Task {
                    let connection = try await database.connect()
                    defer { Task { await connection.close() } }
                    return try await migrator.migrate(connection).map(\.version)
                }
            }
            let traffic = try await database.connect()
            try await Self.untilAMigrationWaits(on: traffic)
            // How much of the time a statement arriving on the table would queue: about half (a
            // wait, then a pause as long). Before, when a migrator gave way it freed the ledger
            // too, the next one's wait followed at once, and the table was blocked 95-100% of
            // the time, which is what every TRACK commit would have queued behind.
            var samples = 0, blocked = 0
            let until = ContinuousClock.now + .seconds(2.4)
            while ContinuousClock.now < until {
                let waiting = try await traffic.query("""
                    SELECT count(*) FROM pg_locks
                    WHERE NOT granted AND mode = 'AccessExclusiveLock' AND relation = 'prioritizer.prioritization_runs'::regclass
                    """)[0].decode(0, as: Int.self)
                samples += 1
                if waiting > 0 { blocked += 1 }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Under 0.9: the behaviour before blocked 95–100% of samples (115 of 116 in session 25);
            // this one about half alone, and 0.8 in one full run of the suite on two cores, whose
            // load stretches the migrator's waits (a 0.8 bound failed there at exactly 0.8).
            #expect(Double(blocked) / Double(samples) < 0.9, "blocked in \(blocked) of \(samples) samples")
            // And a statement waits at most one migrator's wait (300 ms).
            try await traffic.executeScript("SET statement_timeout = '800ms'")
            for _ in 0..<6 {
                _ = try await traffic.query("SELECT count(*) FROM prioritizer.prioritization_runs")
                try await Task.sleep(for: .milliseconds(100))
            }
            try await reader.executeScript("ROLLBACK")
            var applied: [[Int]] = []
            for task in migrating { applied.append(try await task.value) }
            #expect(applied.sorted { $0.count > $1.count } == [[9999], [], []])
            let column = try await traffic.query("""
                SELECT count(*) FROM information_schema.columns
                WHERE table_schema = 'prioritizer' AND table_name = 'prioritization_runs' AND column_name = 'probe'
                """)[0].decode(0, as: Int.self)
            #expect(column == 1)
            await reader.close()
            await traffic.close()
        }
    }

    /// A reader that never ends: the migration gives up after its attempts, or at once when told
    /// to stop waiting (serve: a shutdown signal), rolled back either way.
    @Test func aMigrationWaitingForeverGivesUpOrStops() async throws {
        try await withTestDatabase(migrated: true) { database in
            let reader = try await Self.openReader(of: database)
            let extra = Self.probeMigration
            let connection = try await database.connect()
            do {
                _ = try await Migrator(migrations: Migration.embedded + [extra], lockWait: .milliseconds(100), lockAttempts: 3)
                    .migrate(connection)
                Issue.record("the migration did not give up")
            } catch let error as MigrationError {
                #expect(error.description.hasPrefix("migration 9999 (9999_probe.sql) could not lock"), "\(error)")
            }
            let stop = StopFlag()
            let stopping = Task {
                try await Migrator(migrations: Migration.embedded + [extra], lockWait: .milliseconds(200), lockAttempts: 1000)
                    .migrate(connection, stopWaiting: { stop.isSet })
            }
            try await Self.untilAMigrationWaits(on: reader)
            stop.set()
            do {
                _ = try await stopping.value
                Issue.record("the migration did not stop")
            } catch let error as MigrationError {
                #expect(error.description.hasPrefix("stopped while migration 9999"), "\(error)")
            }
            let ledger = try await connection.query("SELECT count(*) FROM prioritizer.schema_migrations WHERE version = 9999")
            #expect(try ledger[0].decode(0, as: Int.self) == 0)
            try await reader.executeScript("ROLLBACK")
            await reader.close()
            await connection.close()
        }
    }

    private final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }
}
