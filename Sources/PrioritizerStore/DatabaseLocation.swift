import Foundation

/// Where the database is, per SPEC: `--database-url`, else `DATABASE_URL`, else libpq's own `PG*`
/// variables when `PGHOST` or `PGDATABASE` is set, else the embedded cluster in the data folder.
public enum DatabaseLocation: Sendable, Equatable {
    /// A conninfo string or URI for libpq (the empty string means "as the PG* variables say").
    case external(String)
    /// No database configured: use the embedded PostgreSQL under this data folder.
    case embedded(dataDirectory: URL)

    public static func resolve(
        databaseURL: String?, dataDirectory: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DatabaseLocation {
        if let databaseURL, !databaseURL.isEmpty { return .external(databaseURL) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .external(url) }
        if environment["PGHOST"]?.isEmpty == false || environment["PGDATABASE"]?.isEmpty == false {
            return .external("")
        }
        return .embedded(dataDirectory: URL(fileURLWithPath: dataDirectory ?? ".prioritizer"))
    }
}
