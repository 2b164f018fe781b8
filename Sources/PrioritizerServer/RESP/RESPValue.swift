import NIOCore

/// A reply the server sends, in the vocabulary of RESP3.
///
/// Every case can be written in either protocol version: `RESPReplyEncoder` maps the RESP3-only
/// shapes (map, double, boolean, null) to their RESP2 equivalents the way Redis does.
public enum RESPValue: Sendable, Hashable {
    /// `+text`: a short status without CR or LF (`OK`, `PONG`).
    case simpleString(String)
    /// `-CODE message`: the first word is the error code (`ERR`, `NOAUTH`, …).
    case error(String)
    /// `:n`
    case integer(Int64)
    /// `$len` + bytes: binary-safe.
    case bulkString(ByteBuffer)
    /// `_` in RESP3; `$-1` (null bulk) in RESP2.
    case null
    /// `*n` + elements.
    case array([RESPValue])
    /// `%n` + key/value pairs in RESP3; a flat array of 2n elements in RESP2.
    case map([RESPMapEntry])
    /// `,d` in RESP3; a bulk string holding the shortest round-trip decimal in RESP2.
    case double(Double)
    /// `#t`/`#f` in RESP3; the integer 1 or 0 in RESP2.
    case boolean(Bool)

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulkString(_ text: String) -> RESPValue {
        .bulkString(ByteBuffer(string: text))
    }

    /// A map whose keys are bulk strings, in the given order.
    public static func map(_ pairs: KeyValuePairs<String, RESPValue>) -> RESPValue {
        .map(pairs.map { RESPMapEntry(key: .bulkString($0.key), value: $0.value) })
    }

    public static let ok = RESPValue.simpleString("OK")
}

/// One key/value pair of a `RESPValue.map`; an array of these keeps the order the server chose.
public struct RESPMapEntry: Sendable, Hashable {
    public var key: RESPValue
    public var value: RESPValue

    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}
