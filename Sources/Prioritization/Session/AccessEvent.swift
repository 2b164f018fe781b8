/// One TRACK as the session state sees it: the token count is already resolved by the caller
/// (exact from content, stated, or estimated); `nil` keeps the last known count.
public struct AccessEvent: Hashable, Sendable {
    public var path: String
    public var type: ResourceType
    public var access: AccessType
    /// Unix milliseconds.
    public var at: Int64
    public var modified: Bool
    public var tokens: Int?
    public var size: Int?

    public init(
        path: String, type: ResourceType, access: AccessType, at: Int64,
        modified: Bool = false, tokens: Int? = nil, size: Int? = nil
    ) {
        self.path = path
        self.type = type
        self.access = access
        self.at = at
        self.modified = modified
        self.tokens = tokens
        self.size = size
    }
}
