/// What the server knows about one connection. Owned by its `ConnectionHandler` on the event
/// loop; commands see a copy taken when they are dispatched.
public struct ConnectionState: Sendable, Hashable {
    /// Unique for the server's lifetime; `CLIENT ID` and the HELLO map report it.
    public let id: Int64
    /// The client's IP address (nil when unknown): failed logins are counted per address.
    public let peer: String?
    public var protocolVersion: RESPProtocolVersion = .resp2
    /// Nil until AUTH (or HELLO … AUTH) succeeds.
    public var identity: AuthenticatedIdentity?
    public var clientName: String?
    public var libraryName: String?
    public var libraryVersion: String?

    public init(id: Int64, peer: String? = nil) {
        self.id = id
        self.peer = peer
    }
}

/// A change a command makes to its connection, applied in request order on the event loop.
struct ConnectionUpdate: Sendable, Hashable {
    var identity: AuthenticatedIdentity?
    /// Drops the identity, but only if it is still this one: a revocation noticed by a slow
    /// request must not undo a newer AUTH.
    var deauthenticate: AuthenticatedIdentity?
    var protocolVersion: RESPProtocolVersion?
    /// `""` removes the name.
    var clientName: String?
    var libraryName: String?
    var libraryVersion: String?

    static let none = ConnectionUpdate()

    func apply(to state: inout ConnectionState) {
        if let deauthenticate, state.identity == deauthenticate { state.identity = nil }
        if let identity { state.identity = identity }
        if let protocolVersion { state.protocolVersion = protocolVersion }
        if let clientName { state.clientName = clientName.isEmpty ? nil : clientName }
        if let libraryName { state.libraryName = libraryName }
        if let libraryVersion { state.libraryVersion = libraryVersion }
    }
}

/// A command's answer and what it does to the connection.
struct CommandOutcome: Sendable, Hashable {
    var reply: RESPValue
    var update: ConnectionUpdate = .none
    /// QUIT: close once this reply (and every one before it) is written.
    var closeAfterReply = false

    init(_ reply: RESPValue, update: ConnectionUpdate = .none, closeAfterReply: Bool = false) {
        self.reply = reply
        self.update = update
        self.closeAfterReply = closeAfterReply
    }
}

/// How the dispatcher answers a request: now, on the event loop, or later from a service.
enum DispatchResult: Sendable {
    case immediate(CommandOutcome)
    /// `barrier`: later requests of the connection wait until this one completes, because it
    /// changes who the connection is (AUTH, HELLO … AUTH) and later requests depend on that.
    case deferred(barrier: Bool, ServiceOperation)
    /// A TRACK, by the identity the connection had: submitted with the TRACKs next to it in the
    /// connection's read burst (`CommandDispatcher.submitTracks`).
    case track(TrackRequest, AuthenticatedIdentity)
}

/// A service call in two steps. Calling it *submits* the request: connections submit their
/// requests one after another, in request order, so each takes its place in its session's queue
/// in the order it was sent. What it returns may still be waiting (for a group commit); the
/// connection awaits all of them together.
typealias ServiceOperation = @Sendable () async -> PendingOutcome

struct PendingOutcome: Sendable {
    let wait: @Sendable () async -> CommandOutcome

    static func ready(_ outcome: CommandOutcome) -> PendingOutcome {
        PendingOutcome { outcome }
    }
}
