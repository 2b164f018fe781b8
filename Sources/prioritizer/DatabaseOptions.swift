import ArgumentParser
import Foundation
import PQ
import PrioritizerStore

/// `--database-url` and `--data-dir`, shared by every command that talks to PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "libpq URI or key-value string. Default: $DATABASE_URL, else libpq's PG* variables when PGHOST or PGDATABASE is set, else the embedded PostgreSQL in --data-dir.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Folder of the embedded PostgreSQL (DIR/pg) and its admin token.")
    var dataDirectory: String = ".prioritizer"

    var location: DatabaseLocation {
        DatabaseLocation.resolve(databaseURL: databaseURL, dataDirectory: dataDirectory)
    }
}

/// A database opened for one administration command: the configured one, or the embedded
/// cluster (started for the command and stopped after, unless a running `serve` owns it).
struct AdminDatabase {
    let service: PostgresResourceService
    let connection: PQConnection
    private let startedEmbedded: EmbeddedPostgres?

    static func open(_ options: DatabaseOptions) async throws -> AdminDatabase {
        switch options.location {
        case .external(let conninfo):
            let connection = try await PQConnection.connect(conninfo)
            do {
                try await requireSchema(connection)
            } catch {
                await connection.close()
                throw error
            }
            return AdminDatabase(
                service: PostgresResourceService(conninfo: conninfo, connections: 1), connection: connection,
                startedEmbedded: nil)
        case .embedded(let folder):
            let embedded = try EmbeddedPostgres(dataDirectory: folder)
            let wasRunning = embedded.isRunning
            try await embedded.start()
            let connection = try await PQConnection.connect(embedded.conninfo)
            try await Migrator().migrate(connection)
            return AdminDatabase(
                service: PostgresResourceService(conninfo: embedded.conninfo, connections: 1), connection: connection,
                startedEmbedded: wasRunning ? nil : embedded)
        }
    }

    /// An external database must have been migrated by `prioritizer migrate` (or `serve`).
    private static func requireSchema(_ connection: PQConnection) async throws {
        let present = try await connection.query(
            "SELECT to_regclass('prioritizer.schema_migrations') IS NOT NULL")[0].decode(0, as: Bool.self)
        guard present else {
            throw CommandFailure("the database has no Prioritizer schema; run `prioritizer migrate` first")
        }
        try await Migrator().verify(connection)
    }

    func close() async {
        await service.pool.close()
        await connection.close()
        try? startedEmbedded?.stop()
    }

    /// Runs `body`, closing the database whatever happens.
    static func with<T>(_ options: DatabaseOptions, _ body: (AdminDatabase) async throws -> T) async throws -> T {
        let database = try await open(options)
        do {
            let value = try await body(database)
            await database.close()
            return value
        } catch {
            await database.close()
            throw error
        }
    }

    func organization(named name: String) async throws -> Organization {
        guard let org = try await service.organization(named: name) else {
            throw CommandFailure("no organization named '\(name)'")
        }
        return org
    }
}

/// A one-line reason for a failed command.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
