import NIOCore
import Prioritization

/// `SESSION.CREATE [BUDGET tokens] [LABEL text] [HALFLIFE seconds] [ENCODING e] [PARENT session]`
public struct CreateSessionRequest: Sendable, Hashable {
    public var budget: Int64?
    public var label: String?
    public var halfLifeSeconds: Double?
    /// Nil when the client named none: the session gets `TokenEncoding.default`.
    public var encoding: TokenEncoding?
    public var parent: SessionID?

    public init(budget: Int64? = nil, label: String? = nil, halfLifeSeconds: Double? = nil, encoding: TokenEncoding? = nil, parent: SessionID? = nil) {
        self.budget = budget
        self.label = label
        self.halfLifeSeconds = halfLifeSeconds
        self.encoding = encoding
        self.parent = parent
    }
}

/// `TRACK session path type access [SIZE bytes] [TOKENS n] [CONTENT text] [MODIFIED] [AT unix-ms]`
public struct TrackRequest: Sendable, Hashable {
    public var session: SessionID
    /// Valid UTF-8, no NUL, 1 … `CommandLimits.maxPathBytes` bytes.
    public var path: String
    public var type: ResourceType
    public var access: AccessType
    public var size: Int64?
    public var tokens: Int64?
    /// The resource's text as sent (bytes; the tokenizer decodes invalid UTF-8 with U+FFFD).
    public var content: [UInt8]?
    public var modified: Bool
    /// Unix milliseconds; nil means "the server's clock when it arrives".
    public var at: Int64?

    public init(session: SessionID, path: String, type: ResourceType, access: AccessType, size: Int64? = nil, tokens: Int64? = nil, content: [UInt8]? = nil, modified: Bool = false, at: Int64? = nil) {
        self.session = session
        self.path = path
        self.type = type
        self.access = access
        self.size = size
        self.tokens = tokens
        self.content = content
        self.modified = modified
        self.at = at
    }
}

/// `PRIORITIZE session budget [STRATEGY s] [RESERVE tokens] [PROMPT text] [LIMIT n] [AT unix-ms] [DRYRUN] [RELATED 0|1]`
public struct PrioritizeRequest: Sendable, Hashable {
    public var session: SessionID
    public var budget: Int64
    public var strategy: PackingStrategy
    public var reserve: Int64
    /// Counted with the session's encoding; its tokens come off the budget.
    public var prompt: [UInt8]?
    public var limit: Int64?
    public var at: Int64?
    public var dryRun: Bool
    /// `RELATED 0|1`: whether resources the session never touched may be chosen through the
    /// organization's co-access relations (default 1).
    public var related: Bool

    public init(session: SessionID, budget: Int64, strategy: PackingStrategy = .optimal, reserve: Int64 = 0, prompt: [UInt8]? = nil, limit: Int64? = nil, at: Int64? = nil, dryRun: Bool = false, related: Bool = true) {
        self.session = session
        self.budget = budget
        self.strategy = strategy
        self.reserve = reserve
        self.prompt = prompt
        self.limit = limit
        self.at = at
        self.dryRun = dryRun
        self.related = related
    }
}

/// `IMPORTANCE session path [AT unix-ms]`
public struct ImportanceRequest: Sendable, Hashable {
    public var session: SessionID
    public var path: String
    public var at: Int64?

    public init(session: SessionID, path: String, at: Int64? = nil) {
        self.session = session
        self.path = path
        self.at = at
    }
}

/// `TOP session [LIMIT n] [AT unix-ms] [RELATED 0|1]`
public struct TopRequest: Sendable, Hashable {
    public var session: SessionID
    public var limit: Int64
    public var at: Int64?
    /// As PRIORITIZE's `RELATED`.
    public var related: Bool

    public init(session: SessionID, limit: Int64 = Int64(CommandLimits.defaultTopLimit), at: Int64? = nil, related: Bool = true) {
        self.session = session
        self.limit = limit
        self.at = at
        self.related = related
    }
}

/// `LINK session pathA pathB [WEIGHT w] [AT unix-ms]`: an explicit relation (an import, a test
/// and its code) in the session's organization.
public struct LinkRequest: Sendable, Hashable {
    public var session: SessionID
    public var path: String
    public var relatedPath: String
    /// Nil: `RelationModel.defaultLinkWeight`.
    public var weight: Double?
    public var at: Int64?

    public init(session: SessionID, path: String, relatedPath: String, weight: Double? = nil, at: Int64? = nil) {
        self.session = session
        self.path = path
        self.relatedPath = relatedPath
        self.weight = weight
        self.at = at
    }
}

/// `METRICS session [FORMAT markdown|json|html]`
public struct MetricsRequest: Sendable, Hashable {
    public var session: SessionID
    public var format: ReportFormat

    public init(session: SessionID, format: ReportFormat = .markdown) {
        self.session = session
        self.format = format
    }
}

/// `TOKENS text [ENCODING e]`
public struct TokensRequest: Sendable, Hashable {
    public var text: [UInt8]
    public var encoding: TokenEncoding

    public init(text: [UInt8], encoding: TokenEncoding = .default) {
        self.text = text
        self.encoding = encoding
    }
}

/// `TOKENS.ESTIMATE bytes type [PATH path]`
public struct TokenEstimateRequest: Sendable, Hashable {
    public var bytes: Int64
    public var type: ResourceType
    public var path: String?

    public init(bytes: Int64, type: ResourceType, path: String? = nil) {
        self.bytes = bytes
        self.type = type
        self.path = path
    }
}
