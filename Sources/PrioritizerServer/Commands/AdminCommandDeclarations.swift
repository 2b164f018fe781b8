import PrioritizerStore
/// AGENT.CREATE, AGENT.REVOKE, AGENT.LIST: admins only, within their own organization.
enum AdminCommandDeclarations {
    static let all: [CommandDeclaration] = [agentCreate, agentRevoke, agentList]

    static let agentCreate = CommandDeclaration(
        "agent.create", arity: -2, flags: [.write], roles: [.admin], group: "admin",
        summary: "Create an agent in the caller's organization; answers its token, shown only here.",
        syntax: "AGENT.CREATE name [ROLE admin|agent|reader]"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        let name = try agentName(&reader)
        var role = AgentRole.agent
        while let option = try reader.option() {
            guard option == "ROLE" else { throw .syntax }
            role = try reader.word("role") { AgentRole(rawValue: $0.lowercased()) }
        }
        return .agentCreate(name: name, role: role)
    }

    static let agentRevoke = CommandDeclaration(
        "agent.revoke", arity: 2, flags: [.write], roles: [.admin], group: "admin",
        summary: "Revoke an agent's token, on open connections too.", syntax: "AGENT.REVOKE name"
    ) { (reader: inout ArgumentReader) throws(CommandError) in
        .agentRevoke(name: try agentName(&reader))
    }

    static let agentList = CommandDeclaration(
        "agent.list", arity: 1, flags: [.readonly], roles: [.admin], group: "admin",
        summary: "The organization's agents: name, role, creation time, revoked.", syntax: "AGENT.LIST"
    ) { (_: inout ArgumentReader) throws(CommandError) in .agentList }

    /// 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `prk_`: safe in AUTH lines, logs
    /// and `--json` output. `default` is reserved, because `AUTH default token` means "whoever owns the token".
    static func agentName(_ reader: inout ArgumentReader) throws(CommandError) -> String {
        let bytes = try reader.byteArray()
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        let name = String(decoding: bytes, as: UTF8.self)
        guard allowed, (1...CommandLimits.maxAgentNameBytes).contains(bytes.count) else {
            throw CommandError("invalid agent name, use 1 to \(CommandLimits.maxAgentNameBytes) letters, digits, '.', '_' or '-'")
        }
        guard name.lowercased() != "default" else { throw CommandError("agent name 'default' is reserved") }
        // A token pasted where a name belongs must not come back in an error reply ("no such
        // agent '…'") or a log line: names never look like tokens.
        guard !name.hasPrefix(AgentToken.prefix) else {
            throw CommandError("agent names may not start with '\(AgentToken.prefix)', the token prefix")
        }
        return name
    }
}
