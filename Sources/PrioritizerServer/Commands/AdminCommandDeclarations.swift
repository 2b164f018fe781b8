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

    /// A name by `AgentName`'s rule.
    static func agentName(_ reader: inout ArgumentReader) throws(CommandError) -> String {
        let bytes = try reader.byteArray()
        if let problem = AgentName.problem(with: bytes) { throw CommandError(problem) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
