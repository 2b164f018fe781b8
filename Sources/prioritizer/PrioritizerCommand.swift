import ArgumentParser

/// `prioritizer`: the server, its migrations and its administration, in one binary.
@main
struct PrioritizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prioritizer",
        abstract: "Chooses which resources an LLM agent puts into its context window, within its token budget.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, OrgCommand.self, AgentCommand.self, AnalystCommand.self,
            TokensCommand.self, ReplayCommand.self,
        ]
    )
}
