/// What went wrong talking to PostgreSQL.
public enum PQError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error: SQLSTATE, primary message and optional detail/hint.
    case server(sqlState: String, message: String, detail: String?, hint: String?)
    /// The connection could not be opened.
    case connectFailed(message: String)
    /// The connection broke. `duringCommit` means a COMMIT was sent and its outcome is unknown.
    case connectionLost(message: String, duringCommit: Bool)
    /// A value could not be decoded as the requested Swift type.
    case decoding(column: String, message: String)
    /// The caller used the API wrongly (closed connection, missing column, ...).
    case misuse(String)

    public var sqlState: String? {
        if case .server(let state, _, _, _) = self { return state }
        return nil
    }

    public var isConnectionProblem: Bool {
        switch self {
        case .connectFailed, .connectionLost: true
        case .server(let state, _, _, _):
            // Class 08 is connection exception; 57P01-03 are shutdowns and "cannot connect now".
            state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
        default: false
        }
    }

    public var description: String {
        switch self {
        case .server(let state, let message, let detail, let hint):
            var text = "\(message) (SQLSTATE \(state))"
            if let detail { text += ", detail: \(detail)" }
            if let hint { text += ", hint: \(hint)" }
            return text
        case .connectFailed(let message): return "could not connect to PostgreSQL: \(message)"
        case .connectionLost(let message, let duringCommit):
            return duringCommit
                ? "connection to PostgreSQL lost during COMMIT, outcome unknown: \(message)"
                : "connection to PostgreSQL lost: \(message)"
        case .decoding(let column, let message): return "cannot decode column \(column): \(message)"
        case .misuse(let message): return message
        }
    }
}

extension PQError {
    /// Well-known SQLSTATE codes the project reacts to.
    public enum State {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let checkViolation = "23514"
        public static let notNullViolation = "23502"
        public static let insufficientPrivilege = "42501"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
        /// A statement cancelled, e.g. by `statement_timeout`.
        public static let queryCanceled = "57014"
        public static let duplicateSchema = "42P06"
        public static let duplicateTable = "42P07"
        /// A lock not granted within `lock_timeout`.
        public static let lockNotAvailable = "55P03"
    }
}
