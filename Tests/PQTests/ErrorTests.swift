import Foundation
import PQ
import Testing
import TestSupport

@Suite("PQ errors, transactions and connections") struct ErrorTests {
    @Test func constraintViolationsCarrySQLState() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("""
                CREATE TABLE parent (id int PRIMARY KEY);
                CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent, n int CHECK (n > 0) NOT NULL);
                INSERT INTO parent VALUES (1);
                """)
            func state(_ query: PQQuery) async -> String? {
                do {
                    try await connection.execute(query)
                    return nil
                } catch {
                    return error.sqlState
                }
            }
            #expect(await state("INSERT INTO parent VALUES (\(1))") == PQError.State.uniqueViolation)
            #expect(await state("INSERT INTO child VALUES (1, \(99), 1)") == PQError.State.foreignKeyViolation)
            #expect(await state("INSERT INTO child VALUES (1, 1, \(-1))") == PQError.State.checkViolation)
            #expect(await state("INSERT INTO child (id, parent) VALUES (1, 1)") == PQError.State.notNullViolation)
            #expect(await state("SELECT * FROM nowhere") == "42P01")
            do {
                try await connection.execute("INSERT INTO parent VALUES (\(1))")
                Issue.record("expected a unique violation")
            } catch let PQError.server(_, message, detail, _) {
                #expect(message.contains("duplicate key"))
                #expect(detail?.contains("(id)=(1)") == true)
            }
        }
    }

    /// Connections use TCP keepalives and a user timeout unless the conninfo says otherwise: a
    /// database host that vanishes then fails a waiting statement within about half a minute.
    @Test func connectionsDetectAVanishedHostByDefault() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            #expect(await connection.connectionOption("keepalives") == "1")
            #expect(await connection.connectionOption("keepalives_idle") == "10")
            #expect(await connection.connectionOption("keepalives_count") == "3")
            #expect(await connection.connectionOption("tcp_user_timeout") == "30000")
            await connection.close()
            let overridden = try await PQConnection.connect(database.conninfo + " keepalives_idle=42 tcp_user_timeout=0")
            #expect(await overridden.connectionOption("keepalives_idle") == "42")
            #expect(await overridden.connectionOption("tcp_user_timeout") == "0")
            await overridden.close()
        }
    }

    @Test func transactionsCommitAndRollBack() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY)")
            try await connection.withConnection { connection in
                _ = try connection.transaction { connection in
                    try connection.execute("INSERT INTO t VALUES (\(1))")
                }
                do {
                    try connection.transaction { connection in
                        try connection.execute("INSERT INTO t VALUES (\(2))")
                        try connection.execute("INSERT INTO t VALUES (\(1))")
                    }
                    Issue.record("the duplicate should have failed the transaction")
                } catch {}
            }
            #expect(try await storedNumbers(on: connection) == [1])
        }
    }

    @Test func bulkWriteOfFiftyThousandRowsInOneStatement() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE bulk (id bigint, path text, at timestamptz, seen bool)")
            let count = 50_000
            let ids = Array(0..<count)
            let paths = ids.map { "src/file-\($0).swift" }
            let times = ids.map { Date(timeIntervalSince1970: Double($0)) }
            let seen = ids.map { $0 % 2 == 0 }
            let inserted = try await connection.execute("""
                INSERT INTO bulk SELECT * FROM unnest(\(ids), \(paths), \(times), \(seen))
                """)
            #expect(inserted == count)
            let row = try await connection.query(
                "SELECT count(*), count(*) FILTER (WHERE seen), max(path), sum(id)::bigint FROM bulk")[0]
            #expect(try row.decode(0, as: Int.self) == count)
            #expect(try row.decode(1, as: Int.self) == count / 2)
            #expect(try row.decode(2, as: String.self) == "src/file-9999.swift")
            #expect(try row.decode(3, as: Int.self) == count * (count - 1) / 2)
        }
    }

    @Test func aKilledBackendIsReportedAsLost() async throws {
        try await withTestDatabase(migrated: false) { database in
            let victim = try await database.connect()
            let killer = try await database.connect()
            try await terminateBackend(of: victim, from: killer)
            do {
                try await victim.query("SELECT 1")
                Issue.record("a terminated connection must not answer")
            } catch let error as PQError {
                #expect(error.isConnectionProblem, "got \(error)")
            }
            #expect(await victim.isHealthy == false)
            try await victim.reconnect()
            #expect(try await victim.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func aLostCommitIsFlaggedAsOutcomeUnknown() async throws {
        try await withTestDatabase(migrated: false) { database in
            let victim = try await database.connect()
            let killer = try await database.connect()
            let pid = await victim.backendPID
            try await victim.executeScript("CREATE TABLE t (n int)")
            do {
                try await victim.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.execute("INSERT INTO t VALUES (\(1))")
                        // Kill our own backend from another connection before COMMIT is sent.
                        let semaphore = DispatchSemaphore(value: 0)
                        Task.detached {
                            // Returns once the backend has exited.
                            try? await terminateBackend(pid: pid, from: killer)
                            semaphore.signal()
                        }
                        semaphore.wait()
                    }
                }
                Issue.record("COMMIT on a terminated backend must fail")
            } catch let PQError.connectionLost(_, duringCommit) {
                #expect(duringCommit)
            }
        }
    }

    @Test func unreachableDatabaseFailsToConnect() async throws {
        await #expect(throws: PQError.self) {
            _ = try await PQConnection.connect("host=/nonexistent-socket-dir dbname=x", connectTimeoutSeconds: 1)
        }
    }

    @Test func poolReplacesBrokenConnections() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = PQConnectionPool(conninfo: database.conninfo, capacity: 2)
            let killer = try await database.connect()
            let first = try await pool.withConnection { connection in await connection.backendPID }
            try await terminateBackend(pid: first, from: killer)
            // The next borrower sees the broken connection fail once...
            _ = try? await pool.withConnection { connection in try await connection.query("SELECT 1") }
            // ...and the pool then opens a fresh one.
            let value = try await pool.withConnection { connection in
                try await connection.query("SELECT 2")[0].decode(0, as: Int.self)
            }
            #expect(value == 2)
            await pool.close()
        }
    }

    @Test func parallelBorrowersShareABoundedPool() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = PQConnectionPool(conninfo: database.conninfo, capacity: 3)
            let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            try await connection.query("SELECT pg_sleep(0.01)")
                            return await connection.backendPID
                        }
                    }
                }
                return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
            }
            #expect(pids.count <= 3)
            await pool.close()
        }
    }
}
