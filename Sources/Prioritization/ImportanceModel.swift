/// The constants of SPEC's exponential-decay frecency. The SQL function
/// `prioritizer.importance(...)` (migrations/) uses the same modified bonus; a test keeps them equal.
///
/// On an access of type `a` at time `t`: `score = score * 2^(-(t - t0)/H) + weight(a)`, `t0 = t`.
/// Importance at `now` = `score * 2^(-(now - t0)/H)` + `modifiedBonus` if the resource was modified
/// in the session. Why these numbers (`docs/importance.md` has the long form):
///
/// - Weights are "views' worth" of evidence that the agent needs the resource's current text.
///   **EDIT 3**: the agent is changing it; the model must see what it wrote or it will contradict
///   itself. **EXECUTE 2**: a test or script the agent runs; its behaviour drives the next step,
///   but its text matters less than an edited file's. **VIEW 1**: the unit. **REFERENCE 0.5**: named
///   or linked without being read: a hint, half a view. SPEC requires EDIT > VIEW > REFERENCE.
/// - **Modified bonus 1.0, constant**: one fresh view's worth that never decays while the resource
///   stays modified, so a file the agent changed still outranks untouched files whose last access
///   is over one half-life older, yet a file read again and again right now still wins over an
///   edit from an hour ago. A bigger bonus would pin every file of a long session's edits.
/// - **Half-life 1800 s (30 min)**: agent sessions work in bursts of minutes; after two hours an
///   access keeps 1/16 of its weight, close to the seed's linear recency that reached zero after
///   5 hours, while repeated accesses still add up (frequency). The ripgrep replay
///   (shared workloads README) shows a 30-min frecency on par with pure recency and the seed's
///   formula on recall; sessions may set their own half-life.
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
