/// The seed's `ResourcePrioritizationRunner` API over a server connection, so code written
/// against the seed's design ports line by line: one runner per session.
///
/// Unlike the seed, tracking is acknowledged (awaited) rather than fire-and-forget, and the
/// selection covers every tracked resource, not a top-10 cut.
public actor ResourcePrioritizationRunner {
    public let client: PrioritizerClient
    /// The session this runner works in; set by `createSession` or given at init.
    public private(set) var sessionID: String?

    public init(client: PrioritizerClient, sessionID: String? = nil) {
        self.client = client
        self.sessionID = sessionID
    }

    /// Creates a session and makes it this runner's session.
    @discardableResult
    public func createSession(budget: Int, label: String? = nil) async throws -> String {
        let id = try await client.createSession(budget: budget, label: label)
        sessionID = id
        return id
    }

    /// Records an access; answers the resource's access count in the session.
    @discardableResult
    public func trackResourceAccess(
        path: String, type: PrioritizerClient.ResourceType, access: PrioritizerClient.AccessType,
        size: Int? = nil, modified: Bool = false
    ) async throws -> Int {
        try await client.track(session: try session(), path: path, type: type, access: access, size: size, modified: modified)
    }

    /// The paths to put in context, most important first, fitting `tokenBudget`.
    public func prioritizeResourcesForContext(tokenBudget: Int) async throws -> [String] {
        try await client.prioritize(session: try session(), budget: tokenBudget).map(\.path)
    }

    /// The resource's importance now; nil if the session never tracked it.
    public func getResourceImportance(path: String) async throws -> Double? {
        try await client.importance(session: try session(), path: path)
    }

    /// Exact token count of `text` (o200k_base unless the server's default changes).
    public func countTokens(_ text: String) async throws -> Int {
        try await client.tokens(text)
    }

    /// The session's report in Markdown.
    public func generateMetricsReport() async throws -> String {
        try await client.metrics(session: try session())
    }

    private func session() throws -> String {
        guard let sessionID else { throw PrioritizerClientError.noSession }
        return sessionID
    }
}
