import Foundation
import PQ
import PrioritizerStore

/// A database of its own for one test, in the throwaway cluster that `scripts/test` starts.
/// Swift Testing runs tests in parallel; separate databases keep their rows apart.
public struct TestDatabase: Sendable {
    public let name: String
    public let conninfo: String

    /// The maintenance connection string, from `scripts/test`.
    public static func adminConninfo() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["PRIORITIZER_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestDatabaseError.notConfigured
        }
        return url
    }

    /// Creates an empty database, migrated unless told otherwise.
    public static func create(migrated: Bool = true) async throws -> TestDatabase {
        let admin = try adminConninfo()
        // A generated name of hex digits: safe to splice, as identifiers cannot be parameters.
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PQConnection.connect(admin)
        try await connection.executeScript("CREATE DATABASE \(name)")
        await connection.close()
        let database = TestDatabase(name: name, conninfo: admin + " dbname=\(name)")
        if migrated {
            let connection = try await database.connect()
            try await Migrator().migrate(connection)
            await connection.close()
        }
        return database
    }

    public func connect() async throws -> PQConnection {
        try await PQConnection.connect(conninfo)
    }

    public func drop() async {
        guard let admin = try? Self.adminConninfo(),
              let connection = try? await PQConnection.connect(admin) else { return }
        try? await connection.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await connection.close()
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case notConfigured
    public var description: String {
        "PRIORITIZER_TEST_DATABASE_URL is not set: run the suite with scripts/test, which starts a throwaway PostgreSQL"
    }
}

/// Runs `body` with a fresh database and drops it afterwards, whatever happens.
public func withTestDatabase<T>(
    migrated: Bool = true, _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let database = try await TestDatabase.create(migrated: migrated)
    do {
        let value = try await body(database)
        await database.drop()
        return value
    } catch {
        await database.drop()
        throw error
    }
}
