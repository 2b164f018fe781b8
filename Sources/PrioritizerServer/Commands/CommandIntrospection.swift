/// COMMAND, COMMAND DOCS, HELP and the subcommand HELPs, all read from the command table.
struct CommandIntrospection {
    let table: CommandTable

    func reply(to subcommand: CommandSubcommand) -> RESPValue {
        switch subcommand {
        case .all:
            return .array(table.declarations.map(info))
        case .count:
            return .integer(Int64(table.declarations.count))
        case .list:
            return .array(table.declarations.map { .bulkString($0.name) })
        case .info(let names):
            if names.isEmpty { return .array(table.declarations.map(info)) }
            return .array(names.map { table.declaration(named: $0).map(info) ?? .null })
        case .docs(let names):
            let chosen = names.isEmpty ? table.declarations : names.compactMap { table.declaration(named: $0) }
            return .map(chosen.map { RESPMapEntry(key: .bulkString($0.name), value: docs($0)) })
        case .help:
            return subcommandHelp(of: "command")
        }
    }

    /// Redis 7's ten-element command description; we have no keys, so the key positions are 0.
    private func info(_ declaration: CommandDeclaration) -> RESPValue {
        .array([
            .bulkString(declaration.name),
            .integer(Int64(declaration.arity)),
            .array(declaration.flagWords.map { .simpleString($0) }),
            .integer(0), .integer(0), .integer(0),
            .array([.simpleString("@" + declaration.group)]),
            .array([]),
            .array([]),
            .array(declaration.subcommands.map(info)),
        ])
    }

    private func docs(_ declaration: CommandDeclaration) -> RESPValue {
        var entries: [RESPMapEntry] = [
            RESPMapEntry(key: .bulkString("summary"), value: .bulkString(declaration.summary)),
            RESPMapEntry(key: .bulkString("since"), value: .bulkString(declaration.since)),
            RESPMapEntry(key: .bulkString("group"), value: .bulkString(declaration.group)),
            RESPMapEntry(key: .bulkString("syntax"), value: .bulkString(declaration.syntax)),
        ]
        if !declaration.subcommands.isEmpty {
            entries.append(RESPMapEntry(
                key: .bulkString("subcommands"),
                value: .map(declaration.subcommands.map { RESPMapEntry(key: .bulkString($0.name), value: docs($0)) })))
        }
        return .map(entries)
    }

    /// `HELP`: every command's syntax and summary; `HELP name`: one command's.
    func help(for name: String?) -> RESPValue {
        if let name {
            guard let declaration = table.declaration(named: name) else {
                return CommandError("unknown command '\(CommandError.clipped(name))'").reply
            }
            return .array(lines(for: declaration).map { .simpleString($0) })
        }
        return .array(table.declarations.flatMap(lines(for:)).map { .simpleString($0) })
    }

    private func lines(for declaration: CommandDeclaration) -> [String] {
        [declaration.syntax, "    " + declaration.summary]
            + declaration.subcommands.flatMap { [ "  " + $0.syntax, "      " + $0.summary ] }
    }

    /// `CLIENT HELP`, `COMMAND HELP`: as Redis, a header line then syntax/summary pairs.
    func subcommandHelp(of name: String) -> RESPValue {
        guard let declaration = table.declaration(named: name) else { return .array([]) }
        var lines = ["\(name.uppercased()) <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"]
        for sub in declaration.subcommands {
            lines.append(String(sub.syntax.dropFirst(name.count + 1)))
            lines.append("    " + sub.summary)
        }
        return .array(lines.map { .simpleString($0) })
    }
}
