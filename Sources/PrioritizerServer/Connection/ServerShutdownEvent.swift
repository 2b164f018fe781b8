/// Sent down each connection's pipeline when the server stops: the connection stops reading,
/// answers what it already received, and closes.
struct ServerShutdownEvent: Sendable {}
