import ArgumentParser
import Foundation
import PQ
import PrioritizerStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the RESP server (embedded PostgreSQL when no database is configured).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "TCP port.") var port = 7420
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Session runner actors (default: the number of cores).") var workers: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        try await reportingFailures {
            try await AdminDatabase.with(database) { database in
                if case .embedded(let folder) = self.database.location,
                   let token = try await DefaultOrganization.ensure(service: database.service, dataDirectory: folder) {
                    print("created organization 'default'; its admin token (kept in \(folder.path)/admin-token):")
                    print(token)
                }
                throw CommandFailure("the RESP server is not built yet (issue 4); the database is ready and migrated")
            }
        }
    }
}
