import Foundation
import Prioritization
import PQ

/// One numbered schema change from `migrations/NNNN_name.sql`, embedded at build time.
public struct Migration: Hashable, Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 of the file's text, hex: an applied migration whose file changed is refused.
    public var checksum: String {
        SHA256Digest.hex(SHA256Digest.hash(sql))
    }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations this binary carries, in version order.
    public static let embedded: [Migration] = EmbeddedMigrations.files.map { file in
        let digits = file.name.prefix { $0.isNumber }
        guard let version = Int(digits), !digits.isEmpty else {
            preconditionFailure("migration file \(file.name) must start with its number (NNNN_name.sql)")
        }
        return Migration(version: version, name: file.name, sql: file.sql)
    }
}

public enum MigrationError: Error, CustomStringConvertible, Sendable {
    case checksumMismatch(version: Int, name: String)
    case unknownApplied(version: Int, name: String)
    case duplicateVersion(Int)
    case lockNotAvailable(version: Int, name: String, attempts: Int)
    /// `migrate`'s `stopWaiting` said to stop while the migration waited for a lock.
    case interrupted(version: Int, name: String)

    public var description: String {
        switch self {
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) was applied with different contents; refusing to start"
        case .unknownApplied(let version, let name):
            "the database has migration \(version) (\(name)) that this binary does not know; it is newer than this binary"
        case .duplicateVersion(let version):
            "two migration files share version \(version)"
        case .lockNotAvailable(let version, let name, let attempts):
            "migration \(version) (\(name)) could not lock the tables it changes in \(attempts) attempts: another "
                + "session holds them (a transaction left open?); see pg_locks"
        case .interrupted(let version, let name):
            "stopped while migration \(version) (\(name)) waited for the tables it changes; nothing of it was applied"
        }
    }
}

/// Applies pending migrations in order, each in its own transaction, so that two processes
/// migrating at once take turns; the second then finds nothing to do.
///
/// Each transaction first locks the ledger (`schema_migrations`) in a mode that conflicts with
/// itself, then reads what is applied. Not an advisory lock: any login may take those, analysts
/// included, and an analyst holding the key stalled every server's start. Locking the ledger
/// needs privileges on it that only its owner has.
///
/// A migration's own locks are waited for at most `lockWait` at a time: a table's DDL waits for
/// every transaction that has read the table to end (an analyst's report left open, say), and
/// while it waits, every later statement on that table queues behind it, every node's TRACKs
/// included. Past `lockWait` the migration steps back to a savepoint, waits as long again, and
/// tries again, up to `lockAttempts` times, so the servers' traffic is never held up longer than
/// `lockWait`. It keeps the ledger's lock meanwhile: other migrators wait on the ledger, which no
/// traffic uses, instead of queueing on the table in its pauses.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let lockWait: Duration
    public let lockAttempts: Int

    public init(migrations: [Migration] = Migration.embedded, lockWait: Duration = .seconds(2), lockAttempts: Int = 150) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.lockWait = lockWait
        self.lockAttempts = max(1, lockAttempts)
    }

    /// Returns the migrations applied by this call (empty when the schema was current).
    /// `stopWaiting` is asked between attempts at a lock (a shutdown signal): true ends the wait
    /// with `MigrationError.interrupted`, the migration rolled back.
    @discardableResult
    public func migrate(_ connection: PQConnection, stopWaiting: @escaping @Sendable () -> Bool = { false }) async throws -> [Migration] {
        try await connection.withConnection { connection in
            try self.migrateLocked(connection, stopWaiting: stopWaiting)
        }
    }

    /// Throws when an applied migration differs from this binary's, or is unknown to it.
    public func verify(_ connection: PQConnection) async throws {
        try await connection.withConnection { connection in
            guard try Self.ledgerExists(connection) else { return }
            let applied = try Self.applied(connection)
            try self.check(applied: applied)
        }
    }

    private func migrateLocked(_ connection: isolated PQConnection, stopWaiting: @Sendable () -> Bool) throws -> [Migration] {
        try checkUniqueVersions()
        try Self.createLedger(connection)
        var done: [Migration] = []
        while let migration = try applyNext(connection, stopWaiting: stopWaiting) {
            done.append(migration)
        }
        return done
    }

    /// Applies the first pending migration in a transaction of its own, holding the ledger's lock;
    /// nil when none is pending.
    private func applyNext(_ connection: isolated PQConnection, stopWaiting: @Sendable () -> Bool) throws -> Migration? {
        try connection.transaction { connection -> Migration? in
            try connection.execute("LOCK TABLE prioritizer.schema_migrations IN SHARE ROW EXCLUSIVE MODE")
            let applied = try Self.applied(connection)
            try check(applied: applied)
            guard let migration = migrations.first(where: { applied[$0.version] == nil }) else { return nil }
            let waitMilliseconds = max(1, Int(lockWait / .milliseconds(1)))
            try connection.execute("SELECT set_config('lock_timeout', \(String(waitMilliseconds)), true)")
            var attempts = 0
            while true {
                try connection.executeScript("SAVEPOINT migration")
                do {
                    try connection.executeScript(migration.sql)
                    break
                } catch let error as PQError where error.sqlState == PQError.State.lockNotAvailable {
                    try connection.executeScript("ROLLBACK TO SAVEPOINT migration")
                    attempts += 1
                    guard attempts < lockAttempts else {
                        throw MigrationError.lockNotAvailable(version: migration.version, name: migration.name, attempts: attempts)
                    }
                    try pause(stopWaiting: stopWaiting, migration: migration)
                }
            }
            // applied_at: when the migration ran, under the lock, not when its transaction began
            // (now(), before the wait for the lock), so the ledger's times follow the order of
            // application.
            try connection.execute("""
                INSERT INTO prioritizer.schema_migrations (version, name, checksum, applied_at)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum), clock_timestamp())
                """)
            return migration
        }
    }

    /// Waits `lockWait` before the next attempt, on the connection's own thread (nothing else waits
    /// on it), looking at `stopWaiting` every tenth of a second.
    private func pause(stopWaiting: @Sendable () -> Bool, migration: Migration) throws {
        let until = ContinuousClock.now + lockWait
        while true {
            if stopWaiting() { throw MigrationError.interrupted(version: migration.version, name: migration.name) }
            let left = until - ContinuousClock.now
            guard left > .zero else { return }
            Thread.sleep(forTimeInterval: min(0.1, left / .seconds(1)))
        }
    }

    /// Creates the schema and the ledger when missing. Two processes creating them at once may
    /// collide in the catalog (a unique violation, or "already exists"): the loser tries again and
    /// then finds them.
    private static func createLedger(_ connection: isolated PQConnection) throws {
        var attempts = 0
        while true {
            attempts += 1
            do {
                try connection.executeScript("""
                    CREATE SCHEMA IF NOT EXISTS prioritizer;
                    CREATE TABLE IF NOT EXISTS prioritizer.schema_migrations (
                        version     integer PRIMARY KEY,
                        name        text NOT NULL,
                        checksum    text NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now()
                    );
                    """)
                return
            } catch {
                if attempts >= 5 || !lostCatalogRace(error) { throw error }
            }
        }
    }

    private static func lostCatalogRace(_ error: PQError) -> Bool {
        [PQError.State.uniqueViolation, PQError.State.duplicateSchema, PQError.State.duplicateTable].contains(error.sqlState ?? "")
    }

    /// Checksums a migration's file had when some database may have applied it, before an edit
    /// that changed only its comments. A database migrated in between is as current as one
    /// migrated since, and must not be refused. `MigrationTests` pins every file's checksum, so a
    /// new edit fails there first; an edit that changes what a migration does needs a migration
    /// of its own instead.
    static let formerChecksums: [Int: Set<String>] = [
        7: ["b5428c447f29f56d4160a40d8c20242b3bf6098093190750acd5d943d5a8a484"],
        11: ["de85ec92248016d51616c23d577d2b9e8a44ae209966e14bd55ac733403701df"],
    ]

    private func checkUniqueVersions() throws {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
    }

    private func check(applied: [Int: (name: String, checksum: String)]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw MigrationError.unknownApplied(version: version, name: record.name)
            }
            guard migration.checksum == record.checksum || Self.formerChecksums[version]?.contains(record.checksum) == true else {
                throw MigrationError.checksumMismatch(version: version, name: record.name)
            }
        }
    }

    private static func ledgerExists(_ connection: isolated PQConnection) throws -> Bool {
        try connection.query("SELECT to_regclass('prioritizer.schema_migrations') IS NOT NULL AS present")
            .first?.decode(0, as: Bool.self) ?? false
    }

    private static func applied(_ connection: isolated PQConnection) throws -> [Int: (name: String, checksum: String)] {
        var result: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.query("SELECT version, name, checksum FROM prioritizer.schema_migrations") {
            result[try row.decode(0, as: Int.self)] = (try row.decode(1), try row.decode(2))
        }
        return result
    }
}
