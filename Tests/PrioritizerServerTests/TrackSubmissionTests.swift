import NIOCore
import Testing
@testable import PrioritizerServer

/// How the dispatcher submits a connection's consecutive TRACKs (`CommandDispatcher.submitTracks`).
@Suite struct TrackSubmissionTests {
    /// The handler takes one TRACK per call (the protocol's default), and the agent is revoked
    /// while the first is taken: the TRACKs after it are refused, as when each request checked
    /// the login on its own. The login is checked again before each call to the handler.
    @Test func loginIsCheckedAgainBeforeEachCallToTheHandler() async throws {
        let (outcomes, replies) = try await Self.submit(3, to: { ScriptedTrackHandler(backend: $0, admin: $1, revokesAfterEachTrack: true) })
        #expect(outcomes.count == 3)
        #expect(replies == [.integer(1), CommandError.wrongPass.reply, CommandError.wrongPass.reply])
    }

    /// A handler that answers more TRACKs than it was given (a defect) gets no more outcomes than
    /// requests: the connection pairs outcomes with its requests in order, and an extra one would
    /// go to the request after the TRACKs.
    @Test func extraResultsFromTheHandlerAnswerNoRequest() async throws {
        let (outcomes, replies) = try await Self.submit(1, to: { ScriptedTrackHandler(backend: $0, admin: $1, answersEachCallTwice: true) })
        #expect(outcomes.count == 1)
        #expect(replies == [.integer(1)])
    }

    /// Logs in as the agent, dispatches `count` TRACKs of one path into a new session, and submits
    /// them together to the handler `handler` makes (from the backend and its admin): the
    /// outcomes, and the replies they come to.
    private static func submit(
        _ count: Int, to handler: (InMemoryBackend, AuthenticatedIdentity) -> ScriptedTrackHandler
    ) async throws -> (outcomes: [PendingOutcome], replies: [RESPValue]) {
        let backend = InMemoryBackend()
        let admin = try #require(await backend.identity(forToken: "admin-token"))
        var harness = DispatchHarness(backend: backend, sessions: handler(backend, admin))
        #expect(await harness.run("AUTH", "agent-token") == .ok)
        let session = await harness.newSession()
        var tracks: [TrackRequest] = []
        var identity: AuthenticatedIdentity?
        for _ in 0..<count {
            let request = RESPRequest(arguments: ["TRACK", session, "/a.swift", "code", "view"].map { ByteBuffer(string: $0) })
            guard case .track(let track, let caller) = harness.dispatcher.dispatch(request, state: harness.state) else {
                Issue.record("TRACK was not dispatched as a TRACK")
                return ([], [])
            }
            tracks.append(track)
            identity = caller
        }
        let outcomes = await harness.dispatcher.submitTracks(tracks, by: try #require(identity))
        var replies: [RESPValue] = []
        for outcome in outcomes { replies.append(await outcome.wait().reply) }
        return (outcomes, replies)
    }
}

/// Forwards to the in-memory backend; may revoke the caller's agent after taking each TRACK,
/// and may answer each call for TRACKs twice over.
private struct ScriptedTrackHandler: SessionCommandHandler {
    let backend: InMemoryBackend
    let admin: AuthenticatedIdentity
    var revokesAfterEachTrack = false
    var answersEachCallTwice = false

    func submitTrack(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> CommitTicket<Int64> {
        let ticket = try await backend.submitTrack(request, by: caller)
        if revokesAfterEachTrack { try await backend.revokeAgent(named: caller.agentName, by: admin) }
        return ticket
    }

    /// The first request alone, as the protocol's default takes it; twice over if asked.
    func submitTracks(_ requests: ArraySlice<TrackRequest>, by caller: AuthenticatedIdentity) async -> [Result<CommitTicket<Int64>, any Error>] {
        guard let first = requests.first else { return [] }
        let result: Result<CommitTicket<Int64>, any Error>
        do {
            result = .success(try await submitTrack(first, by: caller))
        } catch {
            result = .failure(error)
        }
        return answersEachCallTwice ? [result, result] : [result]
    }

    func createSession(_ request: CreateSessionRequest, by caller: AuthenticatedIdentity) async throws -> SessionID {
        try await backend.createSession(request, by: caller)
    }
    func session(_ id: SessionID, by caller: AuthenticatedIdentity) async throws -> SessionInfo {
        try await backend.session(id, by: caller)
    }
    func listSessions(limit: Int64, by caller: AuthenticatedIdentity) async throws -> [SessionID] {
        try await backend.listSessions(limit: limit, by: caller)
    }
    func closeSession(_ id: SessionID, by caller: AuthenticatedIdentity) async throws {
        try await backend.closeSession(id, by: caller)
    }
    func track(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> Int64 {
        try await submitTrack(request, by: caller).value()
    }
    func prioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        try await backend.prioritize(request, by: caller)
    }
    func importance(_ request: ImportanceRequest, by caller: AuthenticatedIdentity) async throws -> Double? {
        try await backend.importance(request, by: caller)
    }
    func top(_ request: TopRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        try await backend.top(request, by: caller)
    }
    func metrics(_ request: MetricsRequest, by caller: AuthenticatedIdentity) async throws -> String {
        try await backend.metrics(request, by: caller)
    }
}
