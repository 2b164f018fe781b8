/// The client's own spelling of the server's words, so that agents need only this library.
extension PrioritizerClient {
    public enum ResourceType: String, Sendable, Hashable, CaseIterable {
        case code = "CODE", documentation = "DOCUMENTATION", data = "DATA", research = "RESEARCH", generated = "GENERATED"
    }

    public enum AccessType: String, Sendable, Hashable, CaseIterable {
        case view = "VIEW", edit = "EDIT", execute = "EXECUTE", reference = "REFERENCE"
    }

    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        case optimal = "OPTIMAL", density = "DENSITY", greedy = "GREEDY"
    }

    public enum Encoding: String, Sendable, Hashable, CaseIterable {
        case o200kBase = "o200k_base", cl100kBase = "cl100k_base"
    }

    public enum Role: String, Sendable, Hashable, CaseIterable {
        case admin, agent, reader
    }

    public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
        case markdown = "MARKDOWN", json = "JSON", html = "HTML"
    }
}

/// One resource chosen by PRIORITIZE, or listed by TOP.
public struct ContextEntry: Sendable, Hashable {
    public var path: String
    public var importance: Double
    public var tokens: Int

    public init(path: String, importance: Double, tokens: Int) {
        self.path = path
        self.importance = importance
        self.tokens = tokens
    }
}

/// SESSION.GET.
public struct SessionDetails: Sendable, Hashable {
    public var id: String
    public var label: String?
    public var budget: Int?
    public var halfLifeSeconds: Double?
    public var parent: String?
    public var agent: String?
    /// Unix milliseconds.
    public var createdAt: Int64?
    public var closed: Bool
    public var resources: Int
    public var accesses: Int

    public init(id: String, label: String?, budget: Int?, halfLifeSeconds: Double?, parent: String?, agent: String?, createdAt: Int64?, closed: Bool, resources: Int, accesses: Int) {
        self.id = id
        self.label = label
        self.budget = budget
        self.halfLifeSeconds = halfLifeSeconds
        self.parent = parent
        self.agent = agent
        self.createdAt = createdAt
        self.closed = closed
        self.resources = resources
        self.accesses = accesses
    }
}

/// One row of AGENT.LIST.
public struct AgentDetails: Sendable, Hashable {
    public var name: String
    public var role: String
    /// Unix milliseconds.
    public var createdAt: Int64?
    public var revoked: Bool

    public init(name: String, role: String, createdAt: Int64?, revoked: Bool) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// WHOAMI.
public struct ClientIdentity: Sendable, Hashable {
    public var organization: String
    public var agent: String
    public var role: String

    public init(organization: String, agent: String, role: String) {
        self.organization = organization
        self.agent = agent
        self.role = role
    }
}
