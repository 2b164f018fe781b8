import NIOCore

/// HELLO, AUTH, PING, ECHO, QUIT, CLIENT, INFO, WHOAMI, COMMAND, HELP.
enum ConnectionCommandDeclarations {
    static let all: [CommandDeclaration] = [hello, auth, ping, echo, quit, client, info, whoami, command, help]

    static let hello = CommandDeclaration(
        "hello", arity: -1, flags: [.fast, .allowedBeforeAuth], group: "connection",
        summary: "Handshake: choose the protocol version, optionally authenticate and name the connection.",
        syntax: "HELLO [2|3] [AUTH agent token] [SETNAME name]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var request = HelloRequest()
        guard !reader.isAtEnd else { return .hello(request) }
        guard let version = StrictInteger.parse(try reader.bytes().readableBytesView) else {
            throw CommandError("Protocol version is not an integer or out of range")
        }
        guard let protocolVersion = RESPProtocolVersion(rawValue: Int(clamping: version)) else { throw .noProto }
        request.protocolVersion = protocolVersion
        while let option = reader.optionWord() {
            switch option {
            case "AUTH" where reader.remaining >= 2:
                let agent = String(decoding: try reader.bytes().readableBytesView, as: UTF8.self)
                let token = String(decoding: try reader.bytes().readableBytesView, as: UTF8.self)
                request.auth = AuthRequest(agent: agent, token: token)
            case "SETNAME" where reader.remaining >= 1:
                request.clientName = try clientName(&reader)
            default:
                throw CommandError("Syntax error in HELLO option '\(CommandError.clipped(option).lowercased())'")
            }
        }
        return .hello(request)
    }

    static let auth = CommandDeclaration(
        "auth", arity: -2, flags: [.allowedBeforeAuth], group: "connection",
        summary: "Authenticate the connection with an agent token.",
        syntax: "AUTH [agent] token"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        guard reader.remaining <= 2 else { throw .syntax }
        let first = String(decoding: try reader.bytes().readableBytesView, as: UTF8.self)
        if reader.isAtEnd { return .auth(AuthRequest(agent: nil, token: first)) }
        let token = String(decoding: try reader.bytes().readableBytesView, as: UTF8.self)
        return .auth(AuthRequest(agent: first, token: token))
    }

    static let ping = CommandDeclaration(
        "ping", arity: -1, flags: [.fast, .allowedBeforeAuth], group: "connection",
        summary: "PONG, or the message given.", syntax: "PING [message]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        guard reader.remaining <= 1 else { throw .wrongArity("ping") }
        return .ping(message: reader.isAtEnd ? nil : try reader.bytes())
    }

    static let echo = CommandDeclaration(
        "echo", arity: 2, flags: [.fast], group: "connection",
        summary: "The message given.", syntax: "ECHO message"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        .echo(try reader.bytes())
    }

    static let quit = CommandDeclaration(
        "quit", arity: -1, flags: [.fast, .allowedBeforeAuth], group: "connection",
        summary: "Close the connection after answering OK.", syntax: "QUIT"
    ) { (_: inout ArgumentReader) throws(CommandError) in
        .quit
    }

    static let client = CommandDeclaration(
        "client", arity: -2, flags: [.fast], group: "connection",
        summary: "Name the connection, read its name and id, record the client library.",
        syntax: "CLIENT SETNAME|GETNAME|ID|SETINFO|HELP …",
        subcommands: [
            CommandDeclaration(
                "client|setname", arity: 3, flags: [.fast], group: "connection",
                summary: "Name the connection (an empty name removes it).", syntax: "CLIENT SETNAME name"
            ) { (reader: inout ArgumentReader) throws(CommandError) in .client(.setName(try clientName(&reader))) },
            CommandDeclaration(
                "client|getname", arity: 2, flags: [.fast], group: "connection",
                summary: "The connection's name, or null.", syntax: "CLIENT GETNAME"
            ) { (_: inout ArgumentReader) throws(CommandError) in .client(.getName) },
            CommandDeclaration(
                "client|id", arity: 2, flags: [.fast], group: "connection",
                summary: "The connection's id.", syntax: "CLIENT ID"
            ) { (_: inout ArgumentReader) throws(CommandError) in .client(.id) },
            CommandDeclaration(
                "client|setinfo", arity: 4, flags: [.fast], group: "connection",
                summary: "Record the client library's name or version.", syntax: "CLIENT SETINFO LIB-NAME|LIB-VER value"
            ) { (reader: inout ArgumentReader) throws(CommandError) in
                let word = reader.optionWord() ?? ""
                guard let attribute = ClientLibraryAttribute(rawValue: word) else {
                    throw CommandError("Unrecognized option '\(CommandError.clipped(word).lowercased())'")
                }
                let value = try reader.text(attribute.rawValue.lowercased(), maxBytes: CommandLimits.maxClientNameBytes)
                guard value.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
                    throw CommandError("\(attribute.rawValue.lowercased()) cannot contain spaces, newlines or special characters.")
                }
                return .client(.setInfo(attribute, value))
            },
            CommandDeclaration(
                "client|help", arity: 2, flags: [.fast], group: "connection",
                summary: "Lines describing the CLIENT subcommands.", syntax: "CLIENT HELP"
            ) { (_: inout ArgumentReader) throws(CommandError) in .client(.help) },
        ]
    ) { (_: inout ArgumentReader) throws(CommandError) in
        throw .wrongArity("client")
    }

    static let info = CommandDeclaration(
        "info", arity: -1, flags: [.readonly], group: "connection",
        summary: "Server, clients, stats, runners, cluster and latency, as text.", syntax: "INFO [section ...]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        var sections: [String] = []
        while let word = reader.optionWord() { sections.append(word.lowercased()) }
        return .info(sections: sections)
    }

    static let whoami = CommandDeclaration(
        "whoami", arity: 1, flags: [.fast, .readonly], group: "connection",
        summary: "The connection's organization, agent and role.", syntax: "WHOAMI"
    ) { (_: inout ArgumentReader) throws(CommandError) in .whoami }

    static let command = CommandDeclaration(
        "command", arity: -1, flags: [.readonly], group: "connection",
        summary: "Describe the commands of this server.", syntax: "COMMAND [COUNT|LIST|INFO name ...|DOCS [name ...]|HELP]",
        subcommands: [
            CommandDeclaration(
                "command|count", arity: 2, flags: [.readonly], group: "connection",
                summary: "How many commands there are.", syntax: "COMMAND COUNT"
            ) { (_: inout ArgumentReader) throws(CommandError) in .command(.count) },
            CommandDeclaration(
                "command|list", arity: 2, flags: [.readonly], group: "connection",
                summary: "The command names.", syntax: "COMMAND LIST"
            ) { (_: inout ArgumentReader) throws(CommandError) in .command(.list) },
            CommandDeclaration(
                "command|info", arity: -2, flags: [.readonly], group: "connection",
                summary: "Name, arity and flags of the commands given (all when none).", syntax: "COMMAND INFO [name ...]"
            ) { (reader: inout ArgumentReader) throws(CommandError) in .command(.info(names(&reader))) },
            CommandDeclaration(
                "command|docs", arity: -2, flags: [.readonly], group: "connection",
                summary: "Summary, group and syntax of the commands given (all when none).", syntax: "COMMAND DOCS [name ...]"
            ) { (reader: inout ArgumentReader) throws(CommandError) in .command(.docs(names(&reader))) },
            CommandDeclaration(
                "command|help", arity: 2, flags: [.readonly], group: "connection",
                summary: "Lines describing the COMMAND subcommands.", syntax: "COMMAND HELP"
            ) { (_: inout ArgumentReader) throws(CommandError) in .command(.help) },
        ]
    ) { (_: inout ArgumentReader) throws(CommandError) in
        .command(.all)
    }

    static let help = CommandDeclaration(
        "help", arity: -1, flags: [.readonly], group: "connection",
        summary: "The syntax and summary of every command, or of one.", syntax: "HELP [command]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        guard reader.remaining <= 1 else { throw .syntax }
        return .help(command: reader.optionWord()?.lowercased())
    }

    /// Redis's rule for client names: printable ASCII without spaces; empty clears the name.
    private static func clientName(_ reader: inout ArgumentReader) throws(CommandError) -> String {
        let name = try reader.text("client name", maxBytes: CommandLimits.maxClientNameBytes)
        guard name.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw CommandError("Client names cannot contain spaces, newlines or special characters.")
        }
        return name
    }

    private static func names(_ reader: inout ArgumentReader) -> [String] {
        var names: [String] = []
        while let word = reader.optionWord() { names.append(word.lowercased()) }
        return names
    }
}
