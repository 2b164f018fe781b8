/// What a client call can fail with.
public enum PrioritizerClientError: Error, Sendable, Hashable {
    /// The server answered with an error reply: its code word (`ERR`, `NOSESSION`, `NOAUTH`, …)
    /// and the rest of the line.
    case server(code: String, message: String)
    /// The connection closed before the reply arrived.
    case connectionClosed
    /// A request went unanswered for the client's request timeout: the connection was closed,
    /// and every call waiting on it failed so (the request may still have been carried out).
    case timedOut
    /// The server's bytes were not valid RESP.
    case protocolViolation(String)
    /// A reply of a shape the command never answers with.
    case unexpectedReply(String)
    /// A `ResourcePrioritizationRunner` call before the runner has a session.
    case noSession

    /// Splits an error line into its code and message.
    static func fromErrorLine(_ line: String) -> PrioritizerClientError {
        guard let space = line.firstIndex(of: " ") else { return .server(code: line, message: "") }
        return .server(code: String(line[..<space]), message: String(line[line.index(after: space)...]))
    }
}
