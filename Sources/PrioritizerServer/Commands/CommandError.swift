import PrioritizerStore
/// An error reply: a code word and a message, as Redis writes them (`-ERR syntax error`).
///
/// Command parsing throws these, and so may the services behind the server (`Authenticator`,
/// `SessionCommandHandler`, …): `CommandError.noSuchSession`, `.sessionClosed`, `.tryAgain`,
/// `.busy` are the answers SPEC fixes. Any other error a service throws is answered
/// `-ERR internal error` and logged, so no internal detail reaches a client.
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String = "ERR", _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code) \(message)" }
    public var reply: RESPValue { .error("\(code) \(message)") }

    // Redis's own texts.
    public static let syntax = CommandError("syntax error")
    public static let notAnInteger = CommandError("value is not an integer or out of range")
    public static let notAFloat = CommandError("value is not a valid float")
    public static let noAuth = CommandError(code: "NOAUTH", "Authentication required.")
    public static let wrongPass = CommandError(code: "WRONGPASS", "invalid token")
    public static let noProto = CommandError(code: "NOPROTO", "unsupported protocol version")

    /// At most `limit` bytes of a client's word, for quoting it in an error. Not
    /// `String.prefix`, which counts characters: one letter followed by a million combining
    /// marks is a single character, and would be quoted whole.
    public static func clipped(_ text: some StringProtocol, to limit: Int = 128) -> String {
        text.utf8.count <= limit ? String(text) : String(decoding: text.utf8.prefix(limit), as: UTF8.self)
    }

    public static func wrongArity(_ commandName: String) -> CommandError {
        CommandError("wrong number of arguments for '\(commandName)' command")
    }

    public static func unknownSubcommand(_ subcommand: String, of command: String) -> CommandError {
        CommandError("unknown subcommand '\(clipped(subcommand))'. Try \(command.uppercased()) HELP.")
    }

    public static func noPermission(agent: String, role: AgentRole, command: String) -> CommandError {
        CommandError(code: "NOPERM", "agent '\(agent)' (role \(role.rawValue)) has no permissions to run the '\(command)' command")
    }

    // SPEC's codes.
    public static let noSuchSession = CommandError(code: "NOSESSION", "no such session")
    public static let sessionClosed = CommandError("session is closed")
    public static let tryAgain = CommandError(code: "TRYAGAIN", "the database is unreachable, nothing was acknowledged; try again")
    public static let busy = CommandError(code: "BUSY", "the server is over its queue bounds, nothing was acknowledged; try again")
    public static let internalError = CommandError("internal error")
    /// LINK on a server started with `--no-relations`.
    public static let relationsDisabled = CommandError("co-access relations are disabled on this server")
}
