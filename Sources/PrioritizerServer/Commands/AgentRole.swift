/// What an agent may do within its organization (SPEC, "Administration").
public enum AgentRole: String, Sendable, Hashable, CaseIterable {
    /// Everything, including AGENT.* within its own organization.
    case admin
    /// Sessions, tracking and prioritization; no administration.
    case agent
    /// Read-only commands only (PRIORITIZE with DRYRUN included).
    case reader

    /// Parses `admin`, `AGENT`, … in any case.
    public init?(word: some StringProtocol) {
        self.init(rawValue: word.lowercased())
    }
}
