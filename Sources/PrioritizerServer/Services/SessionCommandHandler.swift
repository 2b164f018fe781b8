/// Sessions, tracking, prioritization and reports: what the runner pool implements.
///
/// Every method receives the caller's identity; a session of another organization must be
/// answered exactly as an unknown one, by throwing `CommandError.noSuchSession`. Throw
/// `CommandError.sessionClosed`, `.tryAgain` and `.busy` as SPEC says; any other error becomes
/// `-ERR internal error`. Calls may complete in any order: the connection puts the replies
/// back in request order.
public protocol SessionCommandHandler: Sendable {
    /// The new session's id.
    func createSession(_ request: CreateSessionRequest, by caller: AuthenticatedIdentity) async throws -> SessionID
    func session(_ id: SessionID, by caller: AuthenticatedIdentity) async throws -> SessionInfo
    /// The caller's organization's session ids, newest first, at most `limit`.
    func listSessions(limit: Int64, by caller: AuthenticatedIdentity) async throws -> [SessionID]
    func closeSession(_ id: SessionID, by caller: AuthenticatedIdentity) async throws
    /// The resource's access count in the session, once the event is committed.
    func track(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> Int64
    /// Entries ordered by importance descending, then path ascending.
    func prioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry]
    /// Nil when the session never tracked the path.
    func importance(_ request: ImportanceRequest, by caller: AuthenticatedIdentity) async throws -> Double?
    func top(_ request: TopRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry]
    /// The report text in the requested format.
    func metrics(_ request: MetricsRequest, by caller: AuthenticatedIdentity) async throws -> String

    /// LINK: relates two resources in the session's organization.
    func link(_ request: LinkRequest, by caller: AuthenticatedIdentity) async throws

    /// Two-step forms of the writing commands (see the extension below for the defaults).
    func submitTrack(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<Int64>
    func submitPrioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<[ContextEntry]>
    /// A connection's consecutive TRACKs: submits the first (waiting if it must) and, if it did
    /// not wait, as many of the following as can be taken at that instant, in order; one result
    /// per request submitted, what `submitTrack` gives or throws for it. The caller checks the
    /// login again and submits the rest in later calls.
    func submitTracks(_ requests: ArraySlice<TrackRequest>, by caller: AuthenticatedIdentity) async -> [Result<CommitTicket<Int64>, any Error>]
}

extension SessionCommandHandler {
    /// TRACK in two steps: take the request's place in its session's queue now (the server
    /// submits a connection's requests in order), reply once committed. The default does the
    /// whole request at once; the runner pool applies the event in memory, queues its write for
    /// the next group commit and returns at once.
    public func submitTrack(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<Int64> {
        .settled(try await track(request, by: caller))
    }

    /// The first request alone.
    public func submitTracks(_ requests: ArraySlice<TrackRequest>, by caller: AuthenticatedIdentity) async -> [Result<CommitTicket<Int64>, any Error>] {
        guard let first = requests.first else { return [] }
        do {
            return [.success(try await submitTrack(first, by: caller))]
        } catch {
            return [.failure(error)]
        }
    }

    /// Handlers without co-access relations refuse LINK.
    public func link(_ request: LinkRequest, by caller: AuthenticatedIdentity) async throws {
        throw CommandError.relationsDisabled
    }

    /// PRIORITIZE in two steps, as `submitTrack`.
    public func submitPrioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<[ContextEntry]> {
        .settled(try await prioritize(request, by: caller))
    }
}
