import Foundation
import Prioritization
import PrioritizerStore
@testable import PrioritizerServer

/// A test double for every service protocol the server calls, in memory. It lives only in the
/// test target: the real implementations are the store (authentication, agents) and the runner
/// pool (sessions), wired by the executable.
///
/// Tokens: `admin-token`, `agent-token`, `reader-token` (organization `acme`) and
/// `globex-token` (an admin of `globex`). A TRACK whose path starts with `slow/` takes 100 ms,
/// so tests can make requests complete out of order.
actor InMemoryBackend: Authenticator, SessionCommandHandler, TokenCounting, AgentAdministration {
    static let acme = UUID()
    static let globex = UUID()

    private struct Agent {
        var identity: AuthenticatedIdentity
        var token: String
        var createdAt: Int64
        var revoked = false
    }

    private struct Resource {
        var count: Int64 = 0
        var importance: Double = 0
        var tokens: Int64?
    }

    private struct Session {
        var organization: UUID
        var info: SessionInfo
        var resources: [String: Resource] = [:]
    }

    private var agents: [Agent] = []
    private var sessions: [SessionID: Session] = [:]
    private var order: [SessionID] = []
    private var clock: Int64 = 1_700_000_000_000
    /// How many `slow/` TRACKs have reached the backend: proof the server received them.
    private(set) var slowTracksStarted = 0

    init() {
        agents = [
            Agent(identity: Self.identity(Self.acme, "acme", "admin", .admin), token: "admin-token", createdAt: 1),
            Agent(identity: Self.identity(Self.acme, "acme", "worker", .agent), token: "agent-token", createdAt: 2),
            Agent(identity: Self.identity(Self.acme, "acme", "auditor", .reader), token: "reader-token", createdAt: 3),
            Agent(identity: Self.identity(Self.globex, "globex", "admin", .admin), token: "globex-token", createdAt: 4),
        ]
    }

    /// Waits (at most `timeout`) until `count` slow TRACKs have reached the backend.
    func waitForSlowTracks(_ count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while slowTracksStarted < count {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    static func identity(_ org: UUID, _ orgName: String, _ name: String, _ role: AgentRole) -> AuthenticatedIdentity {
        AuthenticatedIdentity(organizationID: org, organizationName: orgName, agentID: UUID(), agentName: name, role: role)
    }

    func identity(forToken token: String) -> AuthenticatedIdentity? {
        agents.first { $0.token == token }?.identity
    }

    // MARK: Authenticator

    func authenticate(token: String) async throws -> AuthenticatedIdentity? {
        agents.first { $0.token == token && !$0.revoked }?.identity
    }

    func isStillValid(_ identity: AuthenticatedIdentity) async throws -> Bool {
        agents.contains { $0.identity == identity && !$0.revoked }
    }

    // MARK: SessionCommandHandler

    func createSession(_ request: CreateSessionRequest, by caller: AuthenticatedIdentity) async throws -> SessionID {
        if let parent = request.parent { _ = try owned(parent, by: caller) }
        let id = SessionID(UUID())
        clock += 1
        var session = Session(organization: caller.organizationID, info: SessionInfo(
            id: id, label: request.label, budget: request.budget, halfLifeSeconds: request.halfLifeSeconds ?? 1800,
            parent: request.parent, agent: caller.agentName, createdAt: clock, closed: false, resources: 0, accesses: 0))
        if let parent = request.parent { session.resources = sessions[parent]!.resources }
        sessions[id] = session
        order.insert(id, at: 0)
        return id
    }

    func session(_ id: SessionID, by caller: AuthenticatedIdentity) async throws -> SessionInfo {
        let session = try owned(id, by: caller)
        var info = session.info
        info.resources = Int64(session.resources.count)
        info.accesses = session.resources.values.reduce(0) { $0 + $1.count }
        return info
    }

    func listSessions(limit: Int64, by caller: AuthenticatedIdentity) async throws -> [SessionID] {
        Array(order.filter { sessions[$0]!.organization == caller.organizationID }.prefix(Int(limit)))
    }

    func closeSession(_ id: SessionID, by caller: AuthenticatedIdentity) async throws {
        _ = try owned(id, by: caller)
        sessions[id]!.info.closed = true
    }

    func track(_ request: TrackRequest, by caller: AuthenticatedIdentity) async throws -> Int64 {
        if request.path.hasPrefix("slow/") {
            slowTracksStarted += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        let session = try owned(request.session, by: caller)
        guard !session.info.closed else { throw CommandError.sessionClosed }
        var resource = session.resources[request.path] ?? Resource()
        resource.count += 1
        resource.importance += ImportanceModel.standard.weight(for: request.access)
        if let content = request.content {
            resource.tokens = Int64(content.split(separator: UInt8(ascii: " ")).count)
        } else if let tokens = request.tokens {
            resource.tokens = tokens
        } else if let size = request.size {
            resource.tokens = size / 4
        }
        sessions[request.session]!.resources[request.path] = resource
        return resource.count
    }

    func prioritize(_ request: PrioritizeRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        var remaining = request.budget - request.reserve
        var chosen: [ContextEntry] = []
        for entry in try ranked(request.session, by: caller) where entry.tokens <= remaining {
            if let limit = request.limit, chosen.count >= limit { break }
            chosen.append(entry)
            remaining -= entry.tokens
        }
        return chosen
    }

    func importance(_ request: ImportanceRequest, by caller: AuthenticatedIdentity) async throws -> Double? {
        try owned(request.session, by: caller).resources[request.path]?.importance
    }

    func top(_ request: TopRequest, by caller: AuthenticatedIdentity) async throws -> [ContextEntry] {
        Array(try ranked(request.session, by: caller).prefix(Int(request.limit)))
    }

    func metrics(_ request: MetricsRequest, by caller: AuthenticatedIdentity) async throws -> String {
        let session = try owned(request.session, by: caller)
        switch request.format {
        case .markdown: return "# Session Resource Metrics\n\n- Total Resources: \(session.resources.count)\n"
        case .json: return "{\"resources\":\(session.resources.count)}"
        case .html: return "<!DOCTYPE html><title>\(session.resources.count) resources</title>"
        }
    }

    private func owned(_ id: SessionID, by caller: AuthenticatedIdentity) throws -> Session {
        guard let session = sessions[id], session.organization == caller.organizationID else { throw CommandError.noSuchSession }
        return session
    }

    private func ranked(_ id: SessionID, by caller: AuthenticatedIdentity) throws -> [ContextEntry] {
        try owned(id, by: caller).resources
            .compactMap { path, resource in resource.tokens.map { ContextEntry(path: path, importance: resource.importance, tokens: $0) } }
            .sorted { ($0.importance, $1.path) > ($1.importance, $0.path) }
    }

    // MARK: TokenCounting

    func countTokens(_ request: TokensRequest) async throws -> Int64 {
        Int64(request.text.split(separator: UInt8(ascii: " ")).count)
    }

    func estimateTokens(_ request: TokenEstimateRequest) async throws -> Int64 {
        request.bytes / 4
    }

    // MARK: AgentAdministration

    func createAgent(named name: String, role: AgentRole, by caller: AuthenticatedIdentity) async throws -> String {
        guard !agents.contains(where: { $0.identity.organizationID == caller.organizationID && $0.identity.agentName == name }) else {
            throw CommandError("agent '\(name)' already exists")
        }
        let token = "prk_\(UUID().uuidString.lowercased())"
        clock += 1
        agents.append(Agent(
            identity: Self.identity(caller.organizationID, caller.organizationName, name, role), token: token, createdAt: clock))
        return token
    }

    func revokeAgent(named name: String, by caller: AuthenticatedIdentity) async throws {
        guard let index = agents.firstIndex(where: { $0.identity.organizationID == caller.organizationID && $0.identity.agentName == name }) else {
            throw CommandError("no such agent '\(name)'")
        }
        agents[index].revoked = true
    }

    func listAgents(by caller: AuthenticatedIdentity) async throws -> [AgentInfo] {
        agents.filter { $0.identity.organizationID == caller.organizationID }.map {
            AgentInfo(name: $0.identity.agentName, role: $0.identity.role, createdAt: $0.createdAt, revoked: $0.revoked)
        }
    }

    nonisolated var services: ServerServices {
        ServerServices(authenticator: self, sessions: self, tokens: self, agents: self)
    }
}
