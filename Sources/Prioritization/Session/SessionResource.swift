/// What one session knows about one resource.
public struct SessionResource: Hashable, Sendable {
    public let path: String
    /// The type given by the latest event in time (ties: the latest to arrive).
    public var type: ResourceType
    public var score: DecayedScore
    public var accessCount: Int
    /// Accesses per type.
    public var accessCounts: AccessCounts
    public var tokens: Int?
    public var size: Int?
    /// Set by any event flagged modified; stays set for the rest of the session (the seed's
    /// `modified_during_session`).
    public var modified: Bool
    /// Chosen by the latest prioritization.
    public var included: Bool
    public var firstAccessAt: Int64
    public var lastAccessAt: Int64

    init(path: String, type: ResourceType, at: Int64) {
        self.path = path
        self.type = type
        self.score = .zero
        self.accessCount = 0
        self.accessCounts = AccessCounts()
        self.tokens = nil
        self.size = nil
        self.modified = false
        self.included = false
        self.firstAccessAt = at
        self.lastAccessAt = at
    }

    /// A resource as persisted (a session reloaded from the database).
    public init(
        path: String, type: ResourceType, score: DecayedScore, accessCounts: AccessCounts, tokens: Int?, size: Int?,
        modified: Bool, included: Bool, firstAccessAt: Int64, lastAccessAt: Int64
    ) {
        self.path = path
        self.type = type
        self.score = score
        self.accessCount = accessCounts.view + accessCounts.edit + accessCounts.execute + accessCounts.reference
        self.accessCounts = accessCounts
        self.tokens = tokens
        self.size = size
        self.modified = modified
        self.included = included
        self.firstAccessAt = firstAccessAt
        self.lastAccessAt = lastAccessAt
    }

    public func accessCount(of access: AccessType) -> Int {
        accessCounts[access]
    }
}
