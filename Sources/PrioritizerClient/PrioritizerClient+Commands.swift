/// A typed method for every command of the server.
extension PrioritizerClient {
    // MARK: Connection

    /// `PING [message]`: `PONG` or the message.
    public func ping(_ message: String? = nil) async throws -> String {
        let reply = try await call(["PING"] + (message.map { [$0] } ?? []))
        return try Self.string(reply, "PING")
    }

    public func whoami() async throws -> ClientIdentity {
        let fields = try Self.fields(try await call(["WHOAMI"]), "WHOAMI")
        return ClientIdentity(
            organization: fields["org"]?.string ?? "", agent: fields["agent"]?.string ?? "", role: fields["role"]?.string ?? "")
    }

    // MARK: Sessions

    /// `SESSION.CREATE`: the new session's id.
    public func createSession(
        budget: Int? = nil, label: String? = nil, halfLife: Double? = nil, encoding: Encoding? = nil, parent: String? = nil
    ) async throws -> String {
        var words = ["SESSION.CREATE"]
        if let budget { words += ["BUDGET", String(budget)] }
        if let label { words += ["LABEL", label] }
        if let halfLife { words += ["HALFLIFE", String(halfLife)] }
        if let encoding { words += ["ENCODING", encoding.rawValue] }
        if let parent { words += ["PARENT", parent] }
        return try Self.string(try await call(words), "SESSION.CREATE")
    }

    public func sessionGet(_ session: String) async throws -> SessionDetails {
        let fields = try Self.fields(try await call(["SESSION.GET", session]), "SESSION.GET")
        return SessionDetails(
            id: fields["id"]?.string ?? session,
            label: fields["label"]?.string,
            budget: fields["budget"]?.integer.map(Int.init),
            halfLifeSeconds: fields["halflife"]?.double,
            parent: fields["parent"]?.string,
            agent: fields["agent"]?.string,
            createdAt: fields["created_at"]?.integer,
            closed: fields["closed"]?.integer == 1,
            resources: Int(fields["resources"]?.integer ?? 0),
            accesses: Int(fields["accesses"]?.integer ?? 0))
    }

    public func sessionList(limit: Int? = nil) async throws -> [String] {
        let reply = try await call(["SESSION.LIST"] + (limit.map { ["LIMIT", String($0)] } ?? []))
        return try Self.elements(reply, "SESSION.LIST").map { try Self.string($0, "SESSION.LIST") }
    }

    public func sessionClose(_ session: String) async throws {
        try await call(["SESSION.CLOSE", session])
    }

    // MARK: Tracking and prioritization

    /// `TRACK`: this resource's access count in the session, once committed.
    @discardableResult
    public func track(
        session: String, path: String, type: ResourceType, access: AccessType, size: Int? = nil, tokens: Int? = nil,
        content: String? = nil, modified: Bool = false, at: Int64? = nil
    ) async throws -> Int {
        var words = ["TRACK", session, path, type.rawValue, access.rawValue]
        if let size { words += ["SIZE", String(size)] }
        if let tokens { words += ["TOKENS", String(tokens)] }
        if let content { words += ["CONTENT", content] }
        if modified { words.append("MODIFIED") }
        if let at { words += ["AT", String(at)] }
        return try Self.int(try await call(words), "TRACK")
    }

    public func prioritize(
        session: String, budget: Int, strategy: Strategy? = nil, reserve: Int? = nil, prompt: String? = nil,
        limit: Int? = nil, at: Int64? = nil, dryRun: Bool = false, related: Bool? = nil
    ) async throws -> [ContextEntry] {
        var words = ["PRIORITIZE", session, String(budget)]
        if let strategy { words += ["STRATEGY", strategy.rawValue] }
        if let reserve { words += ["RESERVE", String(reserve)] }
        if let prompt { words += ["PROMPT", prompt] }
        if let limit { words += ["LIMIT", String(limit)] }
        if let at { words += ["AT", String(at)] }
        if dryRun { words.append("DRYRUN") }
        if let related { words += ["RELATED", related ? "1" : "0"] }
        return try Self.entries(try await call(words), "PRIORITIZE")
    }

    /// `LINK`: relates two resources in the session's organization.
    public func link(session: String, _ path: String, _ relatedPath: String, weight: Double? = nil, at: Int64? = nil) async throws {
        var words = ["LINK", session, path, relatedPath]
        if let weight { words += ["WEIGHT", String(weight)] }
        if let at { words += ["AT", String(at)] }
        try await call(words)
    }

    /// Nil when the session never tracked the path.
    public func importance(session: String, path: String, at: Int64? = nil) async throws -> Double? {
        let reply = try await call(["IMPORTANCE", session, path] + (at.map { ["AT", String($0)] } ?? []))
        if reply == .null { return nil }
        guard let value = reply.double else { throw PrioritizerClientError.unexpectedReply("IMPORTANCE: \(reply)") }
        return value
    }

    public func top(session: String, limit: Int? = nil, at: Int64? = nil, related: Bool? = nil) async throws -> [ContextEntry] {
        var words = ["TOP", session]
        if let limit { words += ["LIMIT", String(limit)] }
        if let at { words += ["AT", String(at)] }
        if let related { words += ["RELATED", related ? "1" : "0"] }
        return try Self.entries(try await call(words), "TOP")
    }

    // MARK: Tokens and reports

    public func tokens(_ text: String, encoding: Encoding? = nil) async throws -> Int {
        let reply = try await call(["TOKENS", text] + (encoding.map { ["ENCODING", $0.rawValue] } ?? []))
        return try Self.int(reply, "TOKENS")
    }

    public func tokensEstimate(bytes: Int, type: ResourceType, path: String? = nil) async throws -> Int {
        let reply = try await call(["TOKENS.ESTIMATE", String(bytes), type.rawValue] + (path.map { ["PATH", $0] } ?? []))
        return try Self.int(reply, "TOKENS.ESTIMATE")
    }

    public func metrics(session: String, format: ReportFormat? = nil) async throws -> String {
        let reply = try await call(["METRICS", session] + (format.map { ["FORMAT", $0.rawValue] } ?? []))
        return try Self.string(reply, "METRICS")
    }

    // MARK: Administration

    /// `AGENT.CREATE`: the new agent's token.
    public func agentCreate(name: String, role: Role? = nil) async throws -> String {
        let reply = try await call(["AGENT.CREATE", name] + (role.map { ["ROLE", $0.rawValue] } ?? []))
        return try Self.string(reply, "AGENT.CREATE")
    }

    public func agentRevoke(name: String) async throws {
        try await call(["AGENT.REVOKE", name])
    }

    public func agentList() async throws -> [AgentDetails] {
        try Self.elements(try await call(["AGENT.LIST"]), "AGENT.LIST").map { element in
            let fields = try Self.fields(element, "AGENT.LIST")
            return AgentDetails(
                name: fields["name"]?.string ?? "", role: fields["role"]?.string ?? "",
                createdAt: fields["created_at"]?.integer, revoked: fields["revoked"]?.integer == 1)
        }
    }

    // MARK: Reply shapes

    static func string(_ reply: RESPReply, _ command: String) throws -> String {
        guard let text = reply.string else { throw PrioritizerClientError.unexpectedReply("\(command): \(reply)") }
        return text
    }

    static func int(_ reply: RESPReply, _ command: String) throws -> Int {
        guard let value = reply.integer else { throw PrioritizerClientError.unexpectedReply("\(command): \(reply)") }
        return Int(value)
    }

    static func elements(_ reply: RESPReply, _ command: String) throws -> [RESPReply] {
        guard let elements = reply.elements else { throw PrioritizerClientError.unexpectedReply("\(command): \(reply)") }
        return elements
    }

    static func fields(_ reply: RESPReply, _ command: String) throws -> [String: RESPReply] {
        guard let fields = reply.dictionary else { throw PrioritizerClientError.unexpectedReply("\(command): \(reply)") }
        return fields
    }

    /// `[path, importance, tokens]` triples.
    static func entries(_ reply: RESPReply, _ command: String) throws -> [ContextEntry] {
        try elements(reply, command).map { element in
            guard let triple = element.elements, triple.count == 3, let path = triple[0].string,
                  let importance = triple[1].double, let tokens = triple[2].integer else {
                throw PrioritizerClientError.unexpectedReply("\(command) entry: \(element)")
            }
            return ContextEntry(path: path, importance: importance, tokens: Int(tokens))
        }
    }
}
