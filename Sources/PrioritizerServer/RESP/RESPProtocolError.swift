/// Malformed or over-limit input. The connection answers `-ERR Protocol error: <reason>` and is
/// closed, as Redis does; other connections are unaffected.
public struct RESPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Redis's wording where Redis has one, e.g. `invalid bulk length`.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "Protocol error: \(reason)" }

    /// The reply written before the connection closes.
    public var reply: RESPValue { .error("ERR Protocol error: \(reason)") }

    static let invalidMultibulkLength = RESPProtocolError("invalid multibulk length")
    static let invalidBulkLength = RESPProtocolError("invalid bulk length")
    static let tooBigMultibulkCount = RESPProtocolError("too big mbulk count string")
    static let tooBigBulkCount = RESPProtocolError("too big bulk count string")
    static let tooBigInlineRequest = RESPProtocolError("too big inline request")
    static let unbalancedQuotes = RESPProtocolError("unbalanced quotes in request")
    static let missingBulkTerminator = RESPProtocolError("expected CRLF after bulk string")
    static let missingLineTerminator = RESPProtocolError("expected CRLF after length")
    static let requestTooLarge = RESPProtocolError("request too large")
    static let tooManyArguments = RESPProtocolError("too many arguments")
    static let unauthenticatedMultibulkLength = RESPProtocolError("unauthenticated multibulk length")
    static let unauthenticatedBulkLength = RESPProtocolError("unauthenticated bulk length")
    /// An inline request of more words than a client may send before logging in.
    static let unauthenticatedInlineArguments = RESPProtocolError("unauthenticated inline arguments")
    /// More requests held behind a login than a client not logged in may pipeline.
    static let unauthenticatedPipeline = RESPProtocolError("too many requests before login")

    static func expectedDollar(got byte: UInt8) -> RESPProtocolError {
        RESPProtocolError("expected '$', got '\(printable(byte))'")
    }

    static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7f).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
