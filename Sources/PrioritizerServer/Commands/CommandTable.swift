import NIOCore

/// Every command the server knows, looked up by name in any case.
public struct CommandTable: Sendable {
    public let declarations: [CommandDeclaration]
    private let byName: [String: CommandDeclaration]

    public static let standard = CommandTable(
        ConnectionCommandDeclarations.all + SessionCommandDeclarations.all + AdminCommandDeclarations.all)

    init(_ declarations: [CommandDeclaration]) {
        self.declarations = declarations
        self.byName = Dictionary(uniqueKeysWithValues: declarations.map { ($0.name, $0) })
    }

    public func declaration(named name: String) -> CommandDeclaration? {
        byName[name.lowercased()]
    }

    /// The outcome of matching a request against the table, before authentication checks.
    enum Lookup {
        /// `declaration` matched and the words fit its arity; `arguments` follow the command
        /// (and subcommand) name.
        case found(CommandDeclaration, arguments: ArraySlice<ByteBuffer>)
        case rejected(CommandError)
    }

    /// Finds the command (and subcommand) a request names and checks arity, with Redis's
    /// messages for unknown commands, unknown subcommands and wrong arity.
    func lookUp(_ request: RESPRequest) -> Lookup {
        let words = request.arguments
        guard let first = words.first else { return .rejected(.syntax) }
        let name = String(decoding: first.readableBytesView, as: UTF8.self)
        guard let declaration = declaration(named: name) else {
            return .rejected(Self.unknownCommand(name: name, arguments: words.dropFirst()))
        }
        guard declaration.accepts(wordCount: words.count) else { return .rejected(.wrongArity(declaration.name)) }
        if !declaration.subcommands.isEmpty, words.count >= 2 {
            let subName = String(decoding: words[1].readableBytesView, as: UTF8.self)
            let fullName = declaration.name + "|" + subName.lowercased()
            guard let sub = declaration.subcommands.first(where: { $0.name == fullName }) else {
                return .rejected(.unknownSubcommand(subName, of: declaration.name))
            }
            guard sub.accepts(wordCount: words.count) else { return .rejected(.wrongArity(sub.name)) }
            return .found(sub, arguments: words.dropFirst(2))
        }
        return .found(declaration, arguments: words.dropFirst())
    }

    /// Looks the request up and parses its arguments, without authentication or role checks:
    /// the command parser's entry point for tests and fuzzers.
    public func parse(_ request: RESPRequest) throws(CommandError) -> Command {
        switch lookUp(request) {
        case .rejected(let error):
            throw error
        case .found(let declaration, let arguments):
            var reader = ArgumentReader(arguments)
            return try declaration.parse(&reader)
        }
    }

    /// Redis 7's text: the name, then the first arguments quoted, at most about 128 bytes of them.
    static func unknownCommand(name: String, arguments: ArraySlice<ByteBuffer>) -> CommandError {
        var quoted = ""
        for argument in arguments where quoted.utf8.count < 128 {
            let room = 128 - quoted.utf8.count
            let text = String(decoding: argument.readableBytesView.prefix(room), as: UTF8.self)
            quoted += "'\(text)' "
        }
        return CommandError("unknown command '\(CommandError.clipped(name))', with args beginning with: \(quoted)")
    }
}
