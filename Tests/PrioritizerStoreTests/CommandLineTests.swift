import Foundation
import PQ
@testable import PrioritizerStore
import Testing
import TestSupport

/// The `prioritizer` administration commands, run as a user runs them: the built binary against
/// a test database, checking output, exit status and rows.
@Suite("prioritizer command line") struct CommandLineTests {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The built executable.
    static var binary: URL { BuiltExecutable.url("prioritizer") }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["PGHOST"] = nil
        env["PGDATABASE"] = nil
        env.merge(environment) { $1 }
        // ChildProcess, not Foundation's Process: see its documentation.
        let outcome = try ChildProcess.run(binary.path, arguments, environment: env, separateErrors: true)
        return Outcome(status: outcome.status, stdout: outcome.output, stderr: outcome.errors)
    }

    @Test func administrationEndToEnd() async throws {
        try await withTestDatabase(migrated: false) { database in
            let url = ["--database-url", database.conninfo]
            // Before `migrate`, administration refuses with a one-line reason.
            let early = try Self.run(["org", "create", "acme"] + url)
            #expect(early.status != 0)
            #expect(early.stderr.contains("prioritizer migrate"))
            #expect(early.stderr.split(separator: "\n").count == 1)

            let migrate = try Self.run(["migrate"] + url)
            #expect(migrate.status == 0, "\(migrate.stderr)")
            #expect(migrate.stdout.contains("0001_schema.sql"))
            #expect(try Self.run(["migrate"] + url).stdout.contains("up to date"))

            let created = try Self.run(["org", "create", "acme", "--json"] + url)
            #expect(created.status == 0, "\(created.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String]
            #expect(json?["org"] == "acme" && json?["agent"] == "admin" && json?["role"] == "admin")
            #expect(json?["token"]?.hasPrefix("prk_") == true)
            #expect(UUID(uuidString: json?["org_id"] ?? "") != nil)

            let agent = try Self.run(["agent", "create", "--org", "acme", "bot", "--role", "reader"] + url)
            #expect(agent.status == 0)
            let token = agent.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(token.hasPrefix("prk_"))
            let service = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            #expect(try await service.authenticate(token: token)?.role == .reader)

            #expect(try Self.run(["agent", "create", "--org", "acme", "x", "--role", "boss"] + url).status != 0)
            #expect(try Self.run(["agent", "create", "--org", "nowhere", "x"] + url).stderr.contains("no organization"))
            // The command line keeps AGENT.CREATE's rule for names (AgentName): before, it created
            // `default` and names with spaces, which AGENT.REVOKE then could not name.
            for (name, reason) in [("default", "is reserved"), ("two words", "invalid agent name"),
                                   ("prk_pasted", "the token prefix"), (String(repeating: "a", count: 65), "invalid agent name")] {
                let refused = try Self.run(["agent", "create", "--org", "acme", name] + url)
                #expect(refused.status != 0 && refused.stderr.contains(reason), "\(name): \(refused.stderr)")
                #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            }
            #expect(try Self.run(["org", "create", "acme"] + url).stderr.contains("already exists"))

            #expect(try Self.run(["agent", "revoke", "--org", "acme", "bot"] + url).status == 0)
            #expect(try await service.authenticate(token: token) == nil)
            #expect(try Self.run(["agent", "revoke", "--org", "acme", "bot"] + url).status != 0)

            let role = "cli_analyst_" + String(UUID().uuidString.prefix(6)).lowercased()
            let grant = try Self.run(["analyst", "grant", "--org", "acme", role, "--password", "pw"] + url)
            #expect(grant.status == 0, "\(grant.stderr)")
            let analyst = try await PQConnection.connect(database.conninfo.replacingOccurrences(
                of: "user=postgres", with: "user=\(role)"))
            let orgs = try await analyst.query("SELECT name FROM prioritizer.organizations").map { try $0.decode(0, as: String.self) }
            #expect(orgs == ["acme"])
            await #expect(throws: PQError.self) { try await analyst.query("SELECT token_hash FROM prioritizer.agents") }
            await #expect(throws: PQError.self) { try await analyst.execute("DELETE FROM prioritizer.agents") }
            await analyst.close()
            await service.pool.close()
        }
    }

    @Test func unreachableDatabaseIsOneLineAndNonZero() throws {
        let outcome = try Self.run(["org", "create", "x", "--database-url", "host=/nonexistent dbname=x"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.hasPrefix("error: "))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    /// SPEC: every command exits non-zero with a one-line reason on bad arguments, as on any
    /// other failure (ArgumentParser's own report adds a help line and the usage).
    @Test func badArgumentsAreOneLineAndNonZero() throws {
        let cases: [([String], String)] = [
            (["serve", "--port", "abc"], "'abc' is invalid for '--port"),
            (["frob"], "Unexpected argument 'frob'"),
            (["serve", "--batch-size", "0"], "--batch-size must be positive"),
            (["serve", "--workers", "0"], "--workers must be positive"),
            (["serve", "--packing-time-cap-ms", "0"], "--packing-time-cap-ms must be positive"),
            (["serve", "--shutdown-grace-ms=-1"], "durations must not be negative"),
            (["serve", "--max-bulk-bytes", "9223372036854775000"], "--max-bulk-bytes must be at most 4294967296"),
            (["serve", "--max-arguments", "100000000"], "--max-arguments must be at most 16777216"),
            (["org", "create"], "Missing expected argument '<name>'"),
            (["tokens", "--encoding", "nope"], "unknown encoding 'nope'"),
        ]
        for (arguments, reason) in cases {
            let outcome = try Self.run(arguments)
            #expect(outcome.status != 0, "\(arguments)")
            #expect(outcome.stderr.hasPrefix("error: ") && outcome.stderr.contains(reason), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(arguments): \(outcome.stderr)")
        }
        let help = try Self.run(["serve", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--database-url"))
        let version = try Self.run(["--version"])
        #expect(version.status == 0 && version.stdout.split(separator: "\n") == ["0.1.0"], "\(version)")
    }

    /// An embedded cluster that cannot start: pg_ctl's output and the end of the server's log
    /// make a reason of several lines, which is printed as one, its lines joined with " | ".
    @Test func aFailureOfSeveralLinesIsPrintedAsOne() throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "prioritizer-cli-\(UUID().uuidString.prefix(8))")
        var environment: [String: String] = [:]
        let bin = ProcessInfo.processInfo.environment["PRIORITIZER_TEST_PG_BINDIR"]
        if let bin { environment["PRIORITIZER_PG_BINDIR"] = bin }
        let embedded = try EmbeddedPostgres(dataDirectory: folder, binDirectory: bin.map { URL(fileURLWithPath: $0) })
        defer {
            try? embedded.stop()
            try? FileManager.default.removeItem(at: embedded.clusterDirectory)
            try? FileManager.default.removeItem(at: folder)
        }
        let created = try Self.run(["org", "create", "acme", "--data-dir", folder.path], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        try? embedded.stop()
        let config = try FileHandle(forWritingTo: embedded.clusterDirectory.appending(path: "data/postgresql.conf"))
        try config.seekToEnd()
        try config.write(contentsOf: Data("\nshared_buffers = 'plenty'\n".utf8))
        try config.close()
        let failed = try Self.run(["org", "create", "other", "--data-dir", folder.path], environment: environment)
        #expect(failed.status != 0)
        #expect(failed.stderr.hasPrefix("error: ") && failed.stderr.contains("ends with: | ")
                && failed.stderr.contains("shared_buffers"), "\(failed.stderr)")
        #expect(failed.stderr.split(separator: "\n").count == 1, "\(failed.stderr)")
    }

    @Test func tlsCertificateWithoutKeyIsRefused() throws {
        for arguments in [["--tls-cert", "cert.pem"], ["--tls-key", "key.pem"]] {
            let outcome = try Self.run(["serve", "--port", "0"] + arguments)
            #expect(outcome.status != 0)
            #expect(outcome.stderr.contains("--tls-cert and --tls-key go together"), "\(outcome.stderr)")
        }
    }

    @Test func tokensCountsLikeWc() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("hello world".utf8).write(to: folder.appending(path: "a.txt"))
        try Data([0x68, 0x69, 0xFF, 0x0D, 0x0A]).write(to: folder.appending(path: "b.bin"))
        let outcome = try Self.run(["tokens", folder.appending(path: "a.txt").path, folder.appending(path: "b.bin").path])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("2 "))
        #expect(lines.last?.hasSuffix(" total") == true)
    }
}
