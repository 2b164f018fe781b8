import Foundation
import Prioritization

/// What an agent may do. Words are lower case on the command line and in the database.
public enum AgentRole: String, CaseIterable, Sendable, Codable {
    case admin, agent, reader

    public init(word: String) throws(DomainWordError) {
        guard let role = AgentRole(rawValue: word.lowercased()) else {
            throw DomainWordError(kind: "role", word: word, validWords: AgentRole.allCases.map(\.rawValue))
        }
        self = role
    }
}

public struct Organization: Hashable, Sendable, Codable {
    public var orgID: UUID
    public var name: String
    public var createdAt: Date
}

public struct AgentRecord: Hashable, Sendable {
    public var orgID: UUID
    public var agentID: UUID
    public var name: String
    public var role: AgentRole
    public var createdAt: Date
    public var revokedAt: Date?
}

/// A newly made agent with its token, which exists only here: the database keeps its hash.
public struct AgentCredentials: Sendable {
    public var agent: AgentRecord
    public var token: String
}

/// Who a valid token belongs to.
public struct AuthenticatedAgent: Hashable, Sendable {
    public var orgID: UUID
    public var orgName: String
    public var agentID: UUID
    public var agentName: String
    public var role: AgentRole
}

public struct NewSession: Sendable {
    public var sessionID: UUID
    public var agentID: UUID
    public var label: String?
    public var budget: Int?
    public var halfLifeSeconds: Double
    public var encoding: String
    public var parentSessionID: UUID?

    public init(
        sessionID: UUID = UUID(), agentID: UUID, label: String? = nil, budget: Int? = nil,
        halfLifeSeconds: Double = ImportanceModel.standard.defaultHalfLifeSeconds,
        encoding: String = "o200k_base", parentSessionID: UUID? = nil
    ) {
        self.sessionID = sessionID
        self.agentID = agentID
        self.label = label
        self.budget = budget
        self.halfLifeSeconds = halfLifeSeconds
        self.encoding = encoding
        self.parentSessionID = parentSessionID
    }
}

public struct SessionRecord: Hashable, Sendable {
    public var orgID: UUID
    public var sessionID: UUID
    public var agentID: UUID
    public var agentName: String
    public var label: String?
    public var budget: Int?
    public var halfLifeSeconds: Double
    public var encoding: String
    public var parentSessionID: UUID?
    public var createdAt: Date
    public var closedAt: Date?
    /// Distinct resources tracked in the session.
    public var resources: Int
    /// Acknowledged accesses (rows of access_logs).
    public var accesses: Int
    /// Writes committed into the session so far (`sessions.version`): what this record reflects.
    public var version: Int64 = 0
}

/// One access to a resource, as reported by TRACK, with its token count already resolved.
public struct TrackedAccess: Hashable, Sendable {
    public var sessionID: UUID
    public var agentID: UUID
    public var path: String
    public var type: ResourceType
    public var access: AccessType
    /// Unix milliseconds.
    public var at: Int64
    public var modified: Bool
    public var sizeBytes: Int?
    /// Resolved count (content, stated, or estimate); nil keeps the last known count.
    public var tokenCount: Int?
    public var contentSHA256: [UInt8]?

    public init(
        sessionID: UUID, agentID: UUID, path: String, type: ResourceType, access: AccessType, at: Int64,
        modified: Bool = false, sizeBytes: Int? = nil, tokenCount: Int? = nil, contentSHA256: [UInt8]? = nil
    ) {
        self.sessionID = sessionID
        self.agentID = agentID
        self.path = path
        self.type = type
        self.access = access
        self.at = at
        self.modified = modified
        self.sizeBytes = sizeBytes
        self.tokenCount = tokenCount
        self.contentSHA256 = contentSHA256
    }
}

/// The persisted state of one resource in one session.
public struct SessionResourceRecord: Hashable, Sendable {
    public var resourceID: UUID
    public var path: String
    public var type: ResourceType
    public var sizeBytes: Int?
    public var tokenCount: Int?
    public var score: DecayedScore
    public var accessCounts: AccessCounts
    public var modified: Bool
    public var includedInContext: Bool
    /// Unix milliseconds.
    public var firstAccessAt: Int64
    public var lastAccessAt: Int64

    public var accessCount: Int { accessCounts.view + accessCounts.edit + accessCounts.execute + accessCounts.reference }

    /// The resource as the domain's session state holds it.
    public var sessionResource: SessionResource {
        SessionResource(
            path: path, type: type, score: score, accessCounts: accessCounts, tokens: tokenCount, size: sizeBytes,
            modified: modified, included: includedInContext, firstAccessAt: firstAccessAt, lastAccessAt: lastAccessAt)
    }
}

/// Counts of accesses per access type in one session, from access_logs.
public typealias AccessTypeCounts = [AccessType: Int]

/// One PRIORITIZE that was not a dry run.
public struct PrioritizationRunRecord: Hashable, Sendable {
    public var runID: UUID
    public var sessionID: UUID
    public var agentID: UUID
    public var strategy: String
    public var budget: Int
    public var resourceBudget: Int
    /// PRIORITIZE's LIMIT: at most this many resources chosen; nil without one.
    public var limit: Int?
    public var chosenPaths: [String]
    public var chosenTokens: Int
    public var capturedImportance: Double
    public var totalImportance: Double
    public var candidates: Int
    public var durationMicros: Int
    /// Unix milliseconds at which importance was evaluated.
    public var evaluatedAt: Int64

    public init(
        runID: UUID = UUID(), sessionID: UUID, agentID: UUID, strategy: String, budget: Int, resourceBudget: Int,
        limit: Int? = nil, chosenPaths: [String], chosenTokens: Int, capturedImportance: Double, totalImportance: Double,
        candidates: Int, durationMicros: Int, evaluatedAt: Int64
    ) {
        self.runID = runID
        self.sessionID = sessionID
        self.agentID = agentID
        self.strategy = strategy
        self.budget = budget
        self.resourceBudget = resourceBudget
        self.limit = limit
        self.chosenPaths = chosenPaths
        self.chosenTokens = chosenTokens
        self.capturedImportance = capturedImportance
        self.totalImportance = totalImportance
        self.candidates = candidates
        self.durationMicros = durationMicros
        self.evaluatedAt = evaluatedAt
    }
}

/// Everything one group commit writes, for sessions of any organizations, in one transaction.
public struct WriteBatch: Sendable {
    public var events: [TenantItem<TrackedAccess>] = []
    /// Each run marks exactly its chosen paths included in its session, and every other not.
    public var runs: [TenantItem<PrioritizationRunRecord>] = []
    /// Whether the resource facts this process cached may stand in for reading the rows, and
    /// since when: the period in which this process has been the database's only writer
    /// (`ClusterMembership.currentAloneEpoch`), nil while other nodes may write too. Facts cached
    /// in an earlier period, or before a batch written with nil, are dropped: other nodes (or that
    /// batch) may have changed those rows in between.
    public var resourceFactsEpoch: Int? = 0
    /// Half-lives (seconds) of the batch's sessions as the caller knows them (they never change):
    /// a session given here is not read before writing; it is taken to exist and be open, which
    /// the commit's last statement checks (a session closed meanwhile makes it start again).
    public var sessionHalfLives: [UUID: Double] = [:]

    public init() {}

    public var isEmpty: Bool { events.isEmpty && runs.isEmpty }
    public var count: Int { events.count + runs.count }
}

/// What the database made of a committed batch: the truth the replies are built from.
public struct CommitOutcome: Sendable, Hashable {
    /// Per event of the batch, in order: its resource's access count in its session once the
    /// event was applied, in commit order (so equal to a single node's count however many nodes
    /// write the session); nil when the session was already closed and the event not written.
    public var accessCounts: [Int64?]
    /// Per session the batch wrote: its version before and after this commit. A node whose copy
    /// was at `before` is now at `after`; any other `before` means another node wrote meanwhile.
    public var versions: [UUID: SessionVersionStep]

    public init(accessCounts: [Int64?] = [], versions: [UUID: SessionVersionStep] = [:]) {
        self.accessCounts = accessCounts
        self.versions = versions
    }
}

/// How one commit moved a session's version.
public struct SessionVersionStep: Sendable, Hashable {
    public var before: Int64
    public var after: Int64

    public init(before: Int64, after: Int64) {
        self.before = before
        self.after = after
    }
}

/// A session's version and whether it is closed, as the database has them now.
public struct SessionVersion: Sendable, Hashable {
    public var version: Int64
    public var isClosed: Bool

    public init(version: Int64, isClosed: Bool) {
        self.version = version
        self.isClosed = isClosed
    }
}

/// A value tagged with the organization whose row-level security it is written under.
public struct TenantItem<Value: Sendable>: Sendable {
    public var orgID: UUID
    public var value: Value
    public init(orgID: UUID, _ value: Value) {
        self.orgID = orgID
        self.value = value
    }
}

extension TenantItem: Equatable where Value: Equatable {}
extension TenantItem: Hashable where Value: Hashable {}

/// One server node as `prioritizer.nodes` lists it.
public struct NodeRegistration: Sendable, Hashable {
    public var nodeID: UUID
    /// Where clients reach it (for operators reading the table).
    public var address: String
    public var pid: Int32

    public init(nodeID: UUID = UUID(), address: String, pid: Int32 = ProcessInfo.processInfo.processIdentifier) {
        self.nodeID = nodeID
        self.address = address
        self.pid = pid
    }
}

/// What a heartbeat learned.
public struct NodeHeartbeat: Sendable, Hashable {
    /// The node's row did not exist (first heartbeat, or others dropped it after a long silence).
    public var registered: Bool
    /// Other nodes that heartbeated recently.
    public var otherLiveNodes: Int
    /// Of those, how many have not heartbeated since the time asked about (`othersSince`).
    public var othersBehind: Int
    /// The database's clock when this heartbeat's transaction began.
    public var databaseNow: Date

    public init(registered: Bool, otherLiveNodes: Int, othersBehind: Int = 0, databaseNow: Date = Date()) {
        self.registered = registered
        self.otherLiveNodes = otherLiveNodes
        self.othersBehind = othersBehind
        self.databaseNow = databaseNow
    }
}
