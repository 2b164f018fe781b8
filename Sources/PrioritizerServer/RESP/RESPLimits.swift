/// Bounds on what one request may carry. The decoder checks each against declared lengths
/// before it waits for or keeps any of the bytes, so a header alone never makes the server
/// allocate.
public struct RESPLimits: Sendable, Hashable {
    /// Largest single bulk argument. Redis allows 512 MB; our largest legitimate argument is a
    /// resource's CONTENT, for which 64 MiB is generous. Flag: `--max-bulk-bytes`.
    public var maxBulkBytes: Int
    /// Largest request, counting all its bulk arguments. Flag: `--max-request-bytes`.
    public var maxRequestBytes: Int
    /// Longest inline command line, and longest `*N`/`$N` header line, as Redis's 64 KiB
    /// `PROTO_INLINE_MAX_SIZE`. Flag: `--max-inline-bytes`.
    public var maxInlineBytes: Int
    /// Most arguments in one request (command name included). Redis allows 1,048,576 per
    /// multibulk; no command of ours takes more than about twenty, so 65,536 still leaves room
    /// for the odd client that sends long argument lists while bounding the per-request array.
    /// Flag: `--max-arguments`.
    public var maxArguments: Int

    public static let defaultMaxBulkBytes = 64 * 1024 * 1024
    public static let defaultMaxRequestBytes = 64 * 1024 * 1024
    public static let defaultMaxInlineBytes = 64 * 1024
    public static let defaultMaxArguments = 65_536

    public static let `default` = RESPLimits(
        maxBulkBytes: defaultMaxBulkBytes,
        maxRequestBytes: defaultMaxRequestBytes,
        maxInlineBytes: defaultMaxInlineBytes,
        maxArguments: defaultMaxArguments
    )

    /// The bounds before a client has logged in (`LoginGate`): Redis's for unauthenticated
    /// clients, at most 10 arguments and 16 KiB per bulk. HELLO with AUTH and SETNAME takes 7.
    public var beforeLogin: RESPLimits {
        RESPLimits(
            maxBulkBytes: min(maxBulkBytes, 16 * 1024), maxRequestBytes: min(maxRequestBytes, 10 * 16 * 1024),
            maxInlineBytes: maxInlineBytes, maxArguments: min(maxArguments, 10))
    }

    public init(maxBulkBytes: Int, maxRequestBytes: Int, maxInlineBytes: Int, maxArguments: Int) {
        self.maxBulkBytes = maxBulkBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxInlineBytes = maxInlineBytes
        self.maxArguments = maxArguments
    }
}
