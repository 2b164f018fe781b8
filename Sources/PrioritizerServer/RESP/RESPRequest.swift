import NIOCore

/// One request as it came off the wire: the command name and its arguments, as raw bytes.
///
/// Both the multibulk form (`*2\r\n$4\r\nPING\r\n…`) and the inline form (`PING hello\r\n`) decode
/// to this; arguments are binary-safe.
public struct RESPRequest: Sendable, Hashable {
    /// The command name first, then its arguments; never empty.
    public var arguments: [ByteBuffer]

    public init(arguments: [ByteBuffer]) {
        self.arguments = arguments
    }

    /// What holding it keeps in memory, near enough: its arguments' bytes, and a buffer's worth of
    /// bookkeeping per argument (`argumentOverhead`). Counting the bytes alone, an inline line of
    /// 32,000 one-letter arguments counted 32 KB for what held several megabytes.
    var byteCount: Int {
        arguments.reduce(0) { $0 + $1.readableBytes + Self.argumentOverhead }
    }

    /// A `ByteBuffer` in the array, with its share of the storage's header.
    static let argumentOverhead = 32

    public init(_ words: String...) {
        self.arguments = words.map { ByteBuffer(string: $0) }
    }
}
