import Foundation
import PrioritizerStore

/// One chosen resource of PRIORITIZE or TOP: the reply's `[path, importance, tokens]`.
public struct ContextEntry: Sendable, Hashable {
    public var path: String
    public var importance: Double
    public var tokens: Int64

    public init(path: String, importance: Double, tokens: Int64) {
        self.path = path
        self.importance = importance
        self.tokens = tokens
    }
}

/// What SESSION.GET answers.
public struct SessionInfo: Sendable, Hashable {
    public var id: SessionID
    public var label: String?
    public var budget: Int64?
    public var halfLifeSeconds: Double
    public var parent: SessionID?
    /// Name of the agent that created the session.
    public var agent: String
    /// Unix milliseconds.
    public var createdAt: Int64
    public var closed: Bool
    public var resources: Int64
    public var accesses: Int64

    public init(id: SessionID, label: String?, budget: Int64?, halfLifeSeconds: Double, parent: SessionID?, agent: String, createdAt: Int64, closed: Bool, resources: Int64, accesses: Int64) {
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
public struct AgentInfo: Sendable, Hashable {
    public var name: String
    public var role: AgentRole
    /// Unix milliseconds.
    public var createdAt: Int64
    public var revoked: Bool

    public init(name: String, role: AgentRole, createdAt: Int64, revoked: Bool) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// A section of INFO contributed by the parts behind the server (runner pool, group commit):
/// `# Name` followed by `key:value` lines.
public struct InfoSection: Sendable, Hashable {
    public var name: String
    public var fields: [(key: String, value: String)]

    public init(name: String, fields: [(key: String, value: String)]) {
        self.name = name
        self.fields = fields
    }

    public static func == (lhs: InfoSection, rhs: InfoSection) -> Bool {
        lhs.name == rhs.name && lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for field in fields {
            hasher.combine(field.key)
            hasher.combine(field.value)
        }
    }
}
