import ArgumentParser
import Foundation
import PQ
import PrioritizerStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending schema migrations (embedded in this binary).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        switch database.location {
        case .external(let conninfo):
            let connection = try await PQConnection.connect(conninfo)
            defer { Task { await connection.close() } }
            report(try await Migrator().migrate(connection))
        case .embedded:
            // Opening the embedded database migrates it.
            try await AdminDatabase.with(database) { _ in print("the embedded database is migrated") }
        }
    }

    private func report(_ applied: [Migration]) {
        if applied.isEmpty {
            print("schema is up to date (\(Migration.embedded.count) migrations)")
        }
        for migration in applied { print("applied \(migration.name)") }
    }
}

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org", abstract: "Manage organizations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organization and its first agent, 'admin', with role admin; prints its token once.")

        @Argument(help: "The organization's name.") var name: String
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            try await AdminDatabase.with(database) { database in
                let (org, admin) = try await database.service.createOrganization(name: name)
                printCredentials(org: org, credentials: admin, json: json)
            }
        }
    }
}

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Manage an organization's agents.", subcommands: [Create.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent; prints its token once.")

        @Option(help: "The organization's name.") var org: String
        @Argument(help: "The agent's name.") var agent: String
        @Option(help: "admin, agent or reader.") var role: String = AgentRole.agent.rawValue
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let role = try AgentRole(word: role)
            try await AdminDatabase.with(database) { database in
                let organization = try await database.organization(named: org)
                let credentials = try await database.service.createAgent(orgID: organization.orgID, name: agent, role: role)
                printCredentials(org: organization, credentials: credentials, json: json)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an agent's token, at once and on open connections too.")

        @Option(help: "The organization's name.") var org: String
        @Argument(help: "The agent's name.") var agent: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await AdminDatabase.with(database) { database in
                let organization = try await database.organization(named: org)
                guard try await database.service.revokeAgent(orgID: organization.orgID, name: agent) else {
                    throw CommandFailure("no active agent named '\(agent)' in organization '\(org)'")
                }
                print("revoked \(agent)")
            }
        }
    }
}

struct AnalystCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyst", abstract: "Database roles for analysts.", subcommands: [Grant.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a PostgreSQL LOGIN role that reads only this organization's rows and writes nothing (again: change its password).")

        @Option(help: "The organization's name.") var org: String
        @Argument(help: "The role's name: lower-case letters, digits and underscores.") var role: String
        @Option(help: "The role's password (none: peer or trust authentication only).") var password: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await AdminDatabase.with(database) { database in
                let organization = try await database.organization(named: org)
                try await database.service.grantAnalyst(orgID: organization.orgID, role: role, password: password)
                print("role \(role) reads organization '\(org)' (read-only, token hashes hidden)")
            }
        }
    }
}

/// Prints a new agent's token: as one JSON object, or as text whose last line is the token.
func printCredentials(org: Organization, credentials: AgentCredentials, json: Bool) {
    if json {
        let object: [String: String] = [
            "org": org.name, "org_id": org.orgID.uuidString.lowercased(), "agent": credentials.agent.name,
            "role": credentials.agent.role.rawValue, "token": credentials.token,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    } else {
        print("organization \(org.name) (\(org.orgID.uuidString.lowercased())), agent \(credentials.agent.name), role \(credentials.agent.role.rawValue)")
        print("token, shown only now:")
        print(credentials.token)
    }
}
