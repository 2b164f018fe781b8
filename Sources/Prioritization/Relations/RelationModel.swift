/// The constants of co-access relations: how they are learned from what agents do, how long they
/// last, and how much they weigh when a session's context is chosen. `docs/importance.md` has
/// the formula and the replay that chose these values.
public struct RelationModel: Hashable, Sendable {
    /// Two accesses in one session at most this far apart (milliseconds) relate their resources.
    public var windowMilliseconds: Int64
    /// At most this many of a session's latest distinct paths are related to a new access: bounds
    /// the work of one TRACK (2 × this relation updates) however busy the session.
    public var windowCapacity: Int
    /// A relation loses half its weight after this long without being observed again (event time).
    public var halfLifeMilliseconds: Double
    /// Neighbours kept per resource: the strongest, so memory is bounded by resources × this.
    public var neighboursPerResource: Int
    /// Relations one organization keeps at most: past it the weakest quarter is dropped, so memory
    /// stays bounded (about 63 bytes a relation, `scripts/tune-relations --memory`) however many
    /// resources the organization has.
    public var maxRelations: Int
    /// The relation-derived score of a resource is this share of the importance that flows into
    /// it from the session's most important resources (see `SessionState.relatedScores`).
    public var relationWeight: Double
    /// How many of the session's most important resources spread importance to their neighbours.
    public var seedResources: Int
    /// At most this many untouched resources are offered to the packer per call.
    public var maxRelatedCandidates: Int
    /// Untouched resources scoring below this are not offered.
    public var minimumScore: Double
    /// Weight a `LINK` adds when the caller names none.
    public var defaultLinkWeight: Double

    public static let standard = RelationModel(
        windowMilliseconds: 30 * 60_000, windowCapacity: 8, halfLifeMilliseconds: 90 * 86_400_000, neighboursPerResource: 16,
        maxRelations: 400_000,
        relationWeight: 1.0, seedResources: 16, maxRelatedCandidates: 64, minimumScore: 0.01, defaultLinkWeight: 1.0)

    public init(
        windowMilliseconds: Int64, windowCapacity: Int, halfLifeMilliseconds: Double, neighboursPerResource: Int,
        maxRelations: Int, relationWeight: Double,
        seedResources: Int, maxRelatedCandidates: Int, minimumScore: Double, defaultLinkWeight: Double
    ) {
        self.windowMilliseconds = windowMilliseconds
        self.windowCapacity = windowCapacity
        self.halfLifeMilliseconds = halfLifeMilliseconds
        self.neighboursPerResource = neighboursPerResource
        self.maxRelations = maxRelations
        self.relationWeight = relationWeight
        self.seedResources = seedResources
        self.maxRelatedCandidates = maxRelatedCandidates
        self.minimumScore = minimumScore
        self.defaultLinkWeight = defaultLinkWeight
    }
}
