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

    public func accessCount(of access: AccessType) -> Int {
        accessCounts[access]
    }
}
