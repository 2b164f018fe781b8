import PQ

/// Store failures the server answers differently.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The database cannot be reached or the connection broke: nothing was committed (or, for a
    /// commit whose outcome is unknown, nothing may be acknowledged). Answer -TRYAGAIN.
    case unavailable(String)
    /// A name that must be unique is taken.
    case duplicate(String)
    /// Something the request names does not exist (in this organization).
    case notFound(String)
    /// A value the store refuses whoever sends it (an agent name `AgentName` refuses).
    case invalid(String)

    public var description: String {
        switch self {
        case .unavailable(let message): "database unavailable: \(message)"
        case .duplicate(let message): message
        case .notFound(let message): message
        case .invalid(let message): message
        }
    }

    /// Maps connection-level PostgreSQL errors to `.unavailable`; other errors pass through.
    static func translating(_ error: any Error) -> any Error {
        if let pq = error as? PQError, pq.isConnectionProblem {
            return StoreError.unavailable(pq.description)
        }
        // The statement timeout cancelled a statement: the transaction rolled back, nothing of it
        // was written, and the database did not answer in time — what -TRYAGAIN says.
        if let pq = error as? PQError, pq.sqlState == PQError.State.queryCanceled {
            return StoreError.unavailable(pq.description)
        }
        return error
    }
}
