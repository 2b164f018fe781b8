import Foundation
import PQ
import Testing
import TestSupport

/// `transaction` sends BEGIN and its preamble in one flight with the body's first statement, and
/// `queryThenCommit` (`queriesThenCommit`) the last statement(s) with COMMIT (libpq's pipeline
/// mode): what each part's failure does, and that the connection stays usable.
@Suite("PQ transactions: BEGIN and COMMIT sent with statements") struct TransactionPipelineTests {
    @Test func thePreambleHoldsForTheFirstStatementAndEndsWithTheTransaction() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let inside = try await connection.withConnection { connection in
                try connection.transaction(preamble: ["SET LOCAL statement_timeout = 1234", "SET LOCAL work_mem = '7MB'"]) {
                    connection in
                    let first = try connection.query("SELECT current_setting('statement_timeout'), current_setting('work_mem')")[0]
                    let second = try connection.query("SELECT current_setting('statement_timeout')")[0]
                    return [try first.decode(0, as: String.self), try first.decode(1, as: String.self),
                            try second.decode(0, as: String.self)]
                }
            }
            #expect(inside == ["1234ms", "7MB", "1234ms"])
            let after = try await connection.query("SELECT current_setting('statement_timeout')")[0].decode(0, as: String.self)
            #expect(after == "0")
        }
    }

    /// A prepared preamble with parameters: prepared in the first transaction's flight, reused by
    /// the next, and sent before a script too (which cannot join a pipeline).
    @Test func aPreparedPreambleWithParametersHoldsBeforeStatementsAndScripts() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let settings = { @Sendable (memory: String) in
                PQQuery("SELECT set_config('work_mem', $1, true), set_config('statement_timeout', $2, true)", [memory, "4321"])
                    .prepared()
            }
            let seen = try await connection.withConnection { connection in
                var seen: [String] = []
                for memory in ["7MB", "9MB"] {
                    seen.append(try connection.transaction(preamble: [settings(memory)]) { connection in
                        try connection.query("SELECT current_setting('work_mem') || ' ' || current_setting('statement_timeout')")[0]
                            .decode(0, as: String.self)
                    })
                }
                seen.append(try connection.transaction(preamble: [settings("5MB")]) { connection in
                    try connection.executeScript("CREATE TEMP TABLE seen AS SELECT current_setting('work_mem') AS memory")
                    return try connection.query("SELECT memory FROM seen")[0].decode(0, as: String.self)
                })
                return seen
            }
            #expect(seen == ["7MB 4321ms", "9MB 4321ms", "5MB"])
            let after = try await connection.query("SELECT current_setting('work_mem')")[0].decode(0, as: String.self)
            #expect(after == "4MB")
        }
    }

    @Test func theFirstStatementFailingRollsBackAndLeavesTheConnectionUsable() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY); INSERT INTO t VALUES (1)")
            for prepared in [false, true] {
                do {
                    try await connection.withConnection { connection in
                        try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                            let insert: PQQuery = "INSERT INTO t VALUES (\(1))"
                            _ = try prepared ? connection.execute(prepared: insert) : connection.execute(insert)
                            Issue.record("the duplicate key must fail the first statement")
                        }
                    }
                } catch let error as PQError {
                    #expect(error.sqlState == PQError.State.uniqueViolation, "\(error)")
                }
                // Not in an aborted transaction, nor still in pipeline mode.
                _ = try await connection.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.execute("INSERT INTO t VALUES (\(prepared ? 3 : 2))")
                    }
                }
            }
            #expect(try await storedNumbers(on: connection) == [1, 2, 3])
            #expect(await connection.isHealthy)
        }
    }

    @Test func aFailingPreambleRunsNothingOfTheBody() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int)")
            do {
                _ = try await connection.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL ROLE no_such_role_anywhere"]) { connection in
                        try connection.execute("INSERT INTO t VALUES (\(1))")
                    }
                }
                Issue.record("SET ROLE to a missing role must fail")
            } catch let error as PQError {
                #expect(error.sqlState == "22023", "\(error)")
            }
            #expect(try await connection.query("SELECT count(*) FROM t")[0].decode(0, as: Int.self) == 0)
            #expect(try await connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func aBodyWithoutStatementsSendsNothingAndTransactionsDoNotNest() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let value = try await connection.withConnection { connection in
                try connection.transaction(preamble: ["SET LOCAL ROLE no_such_role_anywhere"]) { _ in 42 }
            }
            // The failing preamble was never sent.
            #expect(value == 42)
            await #expect(throws: PQError.self) {
                try await connection.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.transaction { _ in () }
                    }
                }
            }
            #expect(try await connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func aBackendKilledBeforeTheFirstStatementIsALostConnection() async throws {
        try await withTestDatabase(migrated: false) { database in
            let victim = try await database.connect()
            let killer = try await database.connect()
            try await terminateBackend(of: victim, from: killer)
            do {
                _ = try await victim.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                        try connection.query(prepared: "SELECT \(1)::int")
                    }
                }
                Issue.record("a terminated backend must not answer")
            } catch let error as PQError {
                #expect(error.isConnectionProblem, "got \(error)")
            }
            #expect(await victim.isHealthy == false)
            try await victim.reconnect()
            let answer = try await victim.withConnection { connection in
                try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                    try connection.query(prepared: "SELECT \(7)::int")[0].decode(0, as: Int.self)
                }
            }
            #expect(answer == 7)
        }
    }

    @Test func queryThenCommitCommitsInTheSameFlightAndEndsTheTransaction() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let observer = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY)")
            for first in [1, 3] {
                let returned = try await connection.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                        // The second round has a statement before; the first sends BEGIN, the
                        // statement and COMMIT in one flight.
                        if first == 3 { try connection.execute("INSERT INTO t VALUES (\(first))") }
                        let rows = try connection.queryThenCommit(prepared: "INSERT INTO t VALUES (\(first + 1)) RETURNING n")
                        // The transaction is over: another statement would run outside it.
                        #expect(throws: PQError.self) { try connection.execute("INSERT INTO t VALUES (\(99))") }
                        return try rows[0].decode(0, as: Int.self)
                    }
                }
                #expect(returned == first + 1)
            }
            #expect(try await storedNumbers(on: observer) == [2, 3, 4])
            #expect(try await connection.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func aFailingLastStatementLeavesCommitUnrunAndRollsBack() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY); INSERT INTO t VALUES (1)")
            do {
                try await connection.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.execute("INSERT INTO t VALUES (\(2))")
                        try connection.queryThenCommit(prepared: "INSERT INTO t VALUES (\(1))")
                    }
                }
                Issue.record("the duplicate key must fail the last statement")
            } catch let error as PQError {
                #expect(error.sqlState == PQError.State.uniqueViolation, "\(error)")
            }
            #expect(try await storedNumbers(on: connection) == [1])
            await #expect(throws: PQError.self) {
                try await connection.withConnection { connection in try connection.queryThenCommit(prepared: "SELECT 1") }
            }
        }
    }

    @Test func queriesThenCommitSendsTheWholeTransactionInOneFlight() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            let observer = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY)")
            for round in [0, 10] {
                let returned = try await connection.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                        // BEGIN, the preamble, two statements (each prepared in this flight the
                        // first time, reused the second) and COMMIT: one flight.
                        let rows = try connection.queriesThenCommit(prepared: [
                            "INSERT INTO t VALUES (\(round + 1)), (\(round + 2)) RETURNING n",
                            "SELECT count(*)::int, current_setting('statement_timeout') FROM t",
                        ])
                        #expect(throws: PQError.self) { try connection.execute("INSERT INTO t VALUES (\(99))") }
                        return [try rows[0].map { try $0.decode(0, as: Int.self) }.reduce(0, +),
                                try rows[1][0].decode(0, as: Int.self),
                                try rows[1][0].decode(1, as: String.self) == "5s" ? 1 : 0]
                    }
                }
                #expect(returned == [2 * round + 3, round / 5 + 2, 1])
            }
            #expect(try await storedNumbers(on: observer) == [1, 2, 11, 12])
            #expect(try await preparedStatementCount(on: connection) == 2)
        }
    }

    @Test func aFailingStatementInTheFlightLeavesTheRestAndCommitUnrun() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.executeScript("CREATE TABLE t (n int PRIMARY KEY); INSERT INTO t VALUES (1)")
            do {
                _ = try await connection.withConnection { connection in
                    try connection.transaction { connection in
                        try connection.queriesThenCommit(prepared: [
                            "INSERT INTO t VALUES (\(2))", "INSERT INTO t SELECT \(1)", "INSERT INTO t VALUES (\(3)) RETURNING n",
                        ])
                    }
                }
                Issue.record("the duplicate key must fail the second statement")
            } catch let error as PQError {
                #expect(error.sqlState == PQError.State.uniqueViolation, "\(error)")
            }
            #expect(try await storedNumbers(on: connection) == [1])
            // The third statement, never run, was not prepared either; the first two were.
            #expect(try await preparedStatementCount(on: connection) == 2)
            _ = try await connection.withConnection { connection in
                try connection.transaction { connection in
                    try connection.queriesThenCommit(prepared: ["INSERT INTO t VALUES (\(2))", "INSERT INTO t VALUES (\(3)) RETURNING n"])
                }
            }
            #expect(try await storedNumbers(on: connection) == [1, 2, 3])
            #expect(await connection.isHealthy)
        }
    }

    @Test func aStatementIsPreparedInTheFlightUnlessTheFlightFailedBeforeIt() async throws {
        try await withTestDatabase(migrated: false) { database in
            let connection = try await database.connect()
            @Sendable func next(_ n: Int) -> PQQuery { "SELECT \(n)::int + 1" }
            // The preamble fails, so the statement's preparation in that flight never ran...
            await #expect(throws: PQError.self) {
                try await connection.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL ROLE no_such_role_anywhere"]) { connection in
                        try connection.query(prepared: next(1))
                    }
                }
            }
            // ...and is prepared in the next one; then reused, in a flight and on its own.
            for n in [1, 2] {
                let answer = try await connection.withConnection { connection in
                    try connection.transaction { connection in try connection.query(prepared: next(n))[0].decode(0, as: Int.self) }
                }
                #expect(answer == n + 1)
            }
            #expect(try await connection.query(prepared: next(5))[0].decode(0, as: Int.self) == 6)
            #expect(try await preparedStatementCount(on: connection) == 1)
        }
    }

    /// A backend ended while its connection sat idle (an administrator, a restart) answers the
    /// next flight with its termination notice before anything of the flight: the COMMIT in it
    /// never ran, so the error says the outcome is known, and the caller may write it again.
    @Test func aFlightOnAnEndedBackendFailsAsNotCommitted() async throws {
        try await withTestDatabase(migrated: false) { database in
            let setup = try await database.connect()
            try await setup.executeScript("CREATE TABLE t (n int)")
            let connection = try await database.connect()
            try await terminateBackend(of: connection, from: setup)
            do {
                _ = try await connection.withConnection { connection in
                    try connection.transaction(preamble: ["SET LOCAL statement_timeout = 5000"]) { connection in
                        try connection.queriesThenCommit(prepared: ["INSERT INTO t VALUES (\(1))", "INSERT INTO t VALUES (\(2))"])
                    }
                }
                Issue.record("the flight must fail")
            } catch PQError.connectionLost(let message, let duringCommit) {
                #expect(!duringCommit, "\(message)")
            }
            #expect(try await storedNumbers(on: setup) == [])
        }
    }
}
