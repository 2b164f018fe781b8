/// What one session knows about one resource.
///
/// A server holds one per resource per resident session (a million at the issue-6 target), so
/// the stored layout is compact: 88 bytes instead of 128. Token count and size keep 64 bits
/// (clients state them; a size past 4 GiB is real), with their presence and the two flags in one
/// byte; access counts are 32-bit and saturate (`AccessCounts`). The public properties are the
/// same as before the layout changed.
public struct SessionResource: Hashable, Sendable {
    public let path: String
    public var score: DecayedScore
    public var firstAccessAt: Int64
    public var lastAccessAt: Int64
    /// Accesses per type.
    public var accessCounts: AccessCounts
    /// `tokens` and `size` when their flag is set; 0 otherwise, so equal resources compare equal.
    private var tokenCount: Int
    private var sizeBytes: Int
    /// The type given by the latest event in time (ties: the latest to arrive).
    public var type: ResourceType
    private var flags: Flags

    private struct Flags: OptionSet, Hashable, Sendable {
        let rawValue: UInt8
        static let modified = Flags(rawValue: 1 << 0)
        static let included = Flags(rawValue: 1 << 1)
        static let hasTokens = Flags(rawValue: 1 << 2)
        static let hasSize = Flags(rawValue: 1 << 3)
    }

    init(path: String, type: ResourceType, at: Int64) {
        self.path = path
        self.type = type
        self.score = .zero
        self.accessCounts = AccessCounts()
        self.tokenCount = 0
        self.sizeBytes = 0
        self.flags = []
        self.firstAccessAt = at
        self.lastAccessAt = at
    }

    /// A resource as persisted (a session reloaded from the database).
    public init(
        path: String, type: ResourceType, score: DecayedScore, accessCounts: AccessCounts, tokens: Int?, size: Int?,
        modified: Bool, included: Bool, firstAccessAt: Int64, lastAccessAt: Int64
    ) {
        self.init(path: path, type: type, at: firstAccessAt)
        self.score = score
        self.accessCounts = accessCounts
        self.tokens = tokens
        self.size = size
        self.modified = modified
        self.included = included
        self.lastAccessAt = lastAccessAt
    }

    /// Accesses of every type: the sum of `accessCounts` (each saturating, see `AccessCounts`).
    public var accessCount: Int { accessCounts.total }

    public var tokens: Int? {
        get { flags.contains(.hasTokens) ? tokenCount : nil }
        set {
            tokenCount = newValue ?? 0
            if newValue == nil { flags.remove(.hasTokens) } else { flags.insert(.hasTokens) }
        }
    }

    public var size: Int? {
        get { flags.contains(.hasSize) ? sizeBytes : nil }
        set {
            sizeBytes = newValue ?? 0
            if newValue == nil { flags.remove(.hasSize) } else { flags.insert(.hasSize) }
        }
    }

    /// Set by any event flagged modified; stays set for the rest of the session (the seed's
    /// `modified_during_session`).
    public var modified: Bool {
        get { flags.contains(.modified) }
        set { if newValue { flags.insert(.modified) } else { flags.remove(.modified) } }
    }

    /// Chosen by the latest prioritization.
    public var included: Bool {
        get { flags.contains(.included) }
        set { if newValue { flags.insert(.included) } else { flags.remove(.included) } }
    }

    public func accessCount(of access: AccessType) -> Int {
        accessCounts[access]
    }
}
