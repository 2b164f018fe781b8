import ArgumentParser
import Foundation
import PrioritizerServer

/// `prioritizer`: the server, its migrations and its administration, in one binary.
@main
struct PrioritizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prioritizer",
        abstract: "Chooses which resources an LLM agent puts into its context window, within its token budget.",
        // The version INFO and HELLO report.
        version: ServerConfiguration.serverVersion,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, OrgCommand.self, AgentCommand.self, AnalystCommand.self,
            TokensCommand.self, ReplayCommand.self,
        ]
    )

    /// Bad arguments are answered like every other failure: one line, `error: …`, on standard
    /// error, and a non-zero status (SPEC), instead of ArgumentParser's reason, help line and usage.
    /// `--help` and a bare command group still print their help.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data("error: \(message(for: error)) (see 'prioritizer help')\n".utf8))
            exit(withError: exitCode(for: error))
        }
        do {
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch where error is ExitCode || exitCode(for: error) == .success {
            // A status chosen by the command, or `--help` (which ArgumentParser runs as a command).
            exit(withError: error)
        } catch {
            FileHandle.standardError.write(Data("error: \(message(for: error))\n".utf8))
            exit(withError: ExitCode.failure)
        }
    }
}
