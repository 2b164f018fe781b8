/// The constants of SPEC's exponential-decay frecency. The SQL function
/// `prioritizer.importance(...)` (migrations/) uses the same modified bonus; a test keeps them equal.
public struct ImportanceModel: Hashable, Sendable {
    public var editWeight: Double
    public var executeWeight: Double
    public var viewWeight: Double
    public var referenceWeight: Double
    /// Added to a resource's importance once it was modified in the session; it does not decay.
    public var modifiedBonus: Double
    public var defaultHalfLifeSeconds: Double

    public static let standard = ImportanceModel(
        editWeight: 3.0, executeWeight: 2.0, viewWeight: 1.0, referenceWeight: 0.5,
        modifiedBonus: 1.0, defaultHalfLifeSeconds: 1800
    )

    public init(
        editWeight: Double, executeWeight: Double, viewWeight: Double, referenceWeight: Double,
        modifiedBonus: Double, defaultHalfLifeSeconds: Double
    ) {
        self.editWeight = editWeight
        self.executeWeight = executeWeight
        self.viewWeight = viewWeight
        self.referenceWeight = referenceWeight
        self.modifiedBonus = modifiedBonus
        self.defaultHalfLifeSeconds = defaultHalfLifeSeconds
    }

    public func weight(for access: AccessType) -> Double {
        switch access {
        case .edit: editWeight
        case .execute: executeWeight
        case .view: viewWeight
        case .reference: referenceWeight
        }
    }
}
