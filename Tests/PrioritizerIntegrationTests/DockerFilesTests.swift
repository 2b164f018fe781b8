import Foundation
import Testing
import TestSupport

/// No Docker engine runs here, so docker/compose.yaml and docker/Dockerfile are checked for what
/// can be checked: the compose file parses, every path they name exists, and every `prioritizer`
/// flag they pass exists in the built binary's `--help`.
@Suite("docker/ files") struct DockerFilesTests {
    /// docker/compose.yaml as JSON, parsed by PyYAML.
    static func compose() async throws -> [String: Any] {
        let output = try await runTool(
            "python3",
            ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
             RepositoryFiles.url("docker/compose.yaml").path])
        try #require(output.status == 0, "docker/compose.yaml does not parse (PyYAML: scripts/install-deps): \(output.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }

    static func services(_ compose: [String: Any]) throws -> [String: [String: Any]] {
        try #require(compose["services"] as? [String: [String: Any]])
    }

    @Test func composeHasPostgres15TheServerAndHealthChecks() async throws {
        let services = try Self.services(try await Self.compose())
        let postgres = try #require(services["postgres"])
        #expect(postgres["image"] as? String == "postgres:15")
        #expect((postgres["volumes"] as? [String])?.contains { $0.hasSuffix(":/var/lib/postgresql/data") } == true)
        #expect("\(postgres["healthcheck"] ?? "")".contains("pg_isready"))

        let server = try #require(services["prioritizer"])
        let environment = try #require(server["environment"] as? [String: String])
        #expect(environment["DATABASE_URL"]?.contains("@postgres:5432/") == true)
        #expect("\(server["healthcheck"] ?? "")".contains("PING"))
        #expect(server["depends_on"] != nil)
        // The analyst example is there, using the server's image.
        let analyst = try #require(services["analyst-grant"])
        #expect((analyst["command"] as? [String])?.starts(with: ["analyst", "grant"]) == true)
    }

    @Test func everyPathNamedExists() async throws {
        let services = try Self.services(try await Self.compose())
        for (name, service) in services {
            if let build = service["build"] as? [String: Any] {
                // Paths in a compose file are relative to its folder.
                let context = try #require(build["context"] as? String)
                let contextPath = "docker/" + context
                #expect(RepositoryFiles.exists(contextPath), "\(name): build context \(context)")
                if let dockerfile = build["dockerfile"] as? String {
                    #expect(RepositoryFiles.exists(contextPath + "/" + dockerfile), "\(name): \(dockerfile)")
                }
            }
            for volume in service["volumes"] as? [String] ?? [] {
                let source = String(volume.prefix { $0 != ":" })
                if source.hasPrefix(".") || source.hasPrefix("/") {
                    #expect(RepositoryFiles.exists("docker/" + source), "\(name): volume \(source)")
                }
            }
        }
        // What the Dockerfile copies from its context (the repository root).
        let dockerfile = try RepositoryFiles.text("docker/Dockerfile")
        for line in dockerfile.split(separator: "\n") where line.hasPrefix("COPY ") && !line.contains("--from=") {
            let words = line.split(separator: " ").dropFirst().map(String.init)
            for source in words.dropLast() {
                #expect(RepositoryFiles.exists(source), "Dockerfile copies \(source), which does not exist")
            }
        }
    }

    /// SwiftPM refuses a manifest whose target folders are missing, so the build stage must copy
    /// every top-level folder a target lives in (Sources, Tests, and each custom `path:`).
    @Test func dockerfileCopiesEveryTargetFolder() throws {
        let manifest = try RepositoryFiles.text("Package.swift")
        var folders: Set<String> = ["Sources", "Tests"]
        for match in manifest.matches(of: /path: "([^"\/]+)/) { folders.insert(String(match.1)) }
        let copied = Set(try RepositoryFiles.text("docker/Dockerfile").split(separator: "\n")
            .filter { $0.hasPrefix("COPY ") && !$0.contains("--from=") }
            .flatMap { $0.split(separator: " ").dropFirst().dropLast().map(String.init) })
        #expect(folders.count >= 5, "\(folders)")
        for folder in folders.sorted() {
            #expect(copied.contains(folder), "docker/Dockerfile does not copy \(folder), which Package.swift needs")
        }
    }

    /// The build stage installs the Debian package of every system library Package.swift links
    /// (`providers: [.apt([...])]`): a library added to the manifest and not to the image fails
    /// only in a Docker build, which no test here runs.
    @Test func dockerfileInstallsEverySystemLibrary() throws {
        let manifest = try RepositoryFiles.text("Package.swift")
        let packages = manifest.matches(of: /\.apt\(\["([^"]+)"\]\)/).map { String($0.1) }
        let dockerfile = try RepositoryFiles.text("docker/Dockerfile")
        #expect(packages.count >= 3, "\(packages)")
        for package in packages {
            #expect(dockerfile.contains(" \(package)"), "docker/Dockerfile does not install \(package), which Package.swift links")
        }
    }

    @Test func everyPrioritizerFlagExists() async throws {
        let services = try Self.services(try await Self.compose())
        var commands: [[String]] = []
        for (_, service) in services where (service["image"] as? String)?.hasPrefix("prioritizer") == true {
            if let command = service["command"] as? [String] { commands.append(command) }
        }
        // The Dockerfile's default command: CMD ["serve", …].
        let dockerfile = try RepositoryFiles.text("docker/Dockerfile")
        let cmd = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("CMD ") })
        commands.append(try #require(try JSONSerialization.jsonObject(with: Data(cmd.dropFirst(4).utf8)) as? [String]))
        #expect(commands.count >= 3)

        let binary = BuiltExecutable.url("prioritizer").path
        for command in commands {
            let subcommand = Array(command.prefix { !$0.hasPrefix("-") })
            let help = try await runTool(binary, subcommand + ["--help"])
            #expect(help.status == 0, "prioritizer \(subcommand.joined(separator: " ")) --help: \(help)")
            for flag in command where flag.hasPrefix("--") {
                #expect(help.stdout.contains(flag), "prioritizer \(subcommand.joined(separator: " ")) has no \(flag)")
            }
        }
    }
}
