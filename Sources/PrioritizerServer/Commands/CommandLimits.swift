/// Bounds on argument values, so absurd numbers are refused with a clear error instead of
/// reaching the domain or the database.
public enum CommandLimits {
    /// Budgets, sizes, token counts, reserves and LIMITs: 0 … 2^53, the largest integer a
    /// double (and so every JSON reader) holds exactly.
    public static let maxCount: Int64 = 1 << 53
    /// Latest `AT` timestamp: 9999-12-31T23:59:59.999Z in unix milliseconds. Earliest: 0.
    public static let maxTimestampMilliseconds: Int64 = 253_402_300_799_999
    /// HALFLIFE bounds in seconds: one millisecond to one hundred years.
    public static let minHalfLifeSeconds = 0.001
    public static let maxHalfLifeSeconds = 100 * 365.25 * 86_400.0
    /// LINK's WEIGHT bounds: a link is worth at most a thousand co-accesses.
    public static let minLinkWeight = 0.0
    public static let maxLinkWeight = 1000.0
    /// Longest resource path, in UTF-8 bytes. PostgreSQL's b-tree entries hold at most 2,704
    /// bytes, and a relation's key holds two paths (`resource_relations`' primary key): with 4,096
    /// (Linux's PATH_MAX) one long path failed the whole group commit, other organizations'
    /// writes in it included, and every relation flush after it.
    public static let maxPathBytes = 1024
    /// Longest session label, in UTF-8 bytes.
    public static let maxLabelBytes = 4096
    /// Longest client name (CLIENT SETNAME, HELLO SETNAME) and library name/version.
    public static let maxClientNameBytes = 256
    /// SESSION.LIST without LIMIT.
    public static let defaultSessionListLimit = 100
    /// TOP without LIMIT.
    public static let defaultTopLimit = 10
}
