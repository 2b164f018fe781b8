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

    /// Every failure, bad arguments included, is one line on standard error, `error: …`, and a
    /// non-zero status (SPEC): 64 for arguments, instead of ArgumentParser's reason, help line and
    /// usage; 1 for whatever a command throws. `--help` and a bare command group still print their help.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            fail("\(message(for: error)) (see 'prioritizer help')", exitCode(for: error))
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
            fail(String(describing: error), .failure)
        }
    }

    /// A reason of several lines (a tool's output, the end of a log) is joined with " | ": still
    /// one line, with nothing dropped.
    private static func fail(_ reason: String, _ status: ExitCode) -> Never {
        let line = reason.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " | ")
        FileHandle.standardError.write(Data("error: \(line)\n".utf8))
        exit(withError: status)
    }
}
