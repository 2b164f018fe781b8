import PrioritizerStore
/// Everything about one command, declared once: the dispatcher, the permission checks,
/// `COMMAND`, `COMMAND DOCS` and `HELP` all read it from here.
public struct CommandDeclaration: Sendable {
    /// Lower case, as Redis names commands in its messages (`session.create`; `client|setname`
    /// for a subcommand).
    public let name: String
    /// Redis's convention, counting the command name: `n > 0` exactly n words, `n < 0` at
    /// least -n words.
    public let arity: Int
    public let flags: CommandFlags
    /// Roles that may run it once authenticated.
    public let roles: Set<AgentRole>
    /// `connection`, `session`, `tracking`, `prioritization`, `tokens`, `admin`.
    public let group: String
    public let summary: String
    /// The usage line, as in SPEC.
    public let syntax: String
    /// Version of the server that introduced the command.
    public let since: String
    /// CLIENT and COMMAND have subcommands with their own arity.
    public let subcommands: [CommandDeclaration]
    /// Turns the arguments after the name (after the subcommand for a subcommand) into a command.
    let parse: @Sendable (inout ArgumentReader) throws(CommandError) -> Command

    init(
        _ name: String, arity: Int, flags: CommandFlags, roles: Set<AgentRole> = Set(AgentRole.allCases),
        group: String, summary: String, syntax: String, since: String = "1.0.0",
        subcommands: [CommandDeclaration] = [],
        parse: @escaping @Sendable (inout ArgumentReader) throws(CommandError) -> Command
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.roles = roles
        self.group = group
        self.summary = summary
        self.syntax = syntax
        self.since = since
        self.subcommands = subcommands
        self.parse = parse
    }

    /// Whether `wordCount` words (the name included) satisfy the arity.
    public func accepts(wordCount: Int) -> Bool {
        arity >= 0 ? wordCount == arity : wordCount >= -arity
    }

    /// Flag words as `COMMAND` reports them.
    public var flagWords: [String] {
        var words: [String] = []
        if flags.contains(.write) { words.append("write") }
        if flags.contains(.readonly) { words.append("readonly") }
        if flags.contains(.allowedBeforeAuth) { words.append("no_auth") }
        if flags.contains(.fast) { words.append("fast") }
        return words
    }
}

public struct CommandFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Changes stored state.
    public static let write = CommandFlags(rawValue: 1 << 0)
    /// Changes nothing stored; readers may run it.
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    /// Served before AUTH (AUTH, HELLO, PING, QUIT; HELLO only when it carries AUTH).
    public static let allowedBeforeAuth = CommandFlags(rawValue: 1 << 2)
    /// Answered on the event loop without reaching a service.
    public static let fast = CommandFlags(rawValue: 1 << 3)
}
