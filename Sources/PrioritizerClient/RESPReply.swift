/// A reply as the client reads it, RESP2 or RESP3.
public indirect enum RESPReply: Sendable, Hashable {
    case simpleString(String)
    /// The whole error line, code word first (`NOSESSION no such session`).
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    /// RESP3 `_`, RESP2 `$-1` and `*-1`.
    case null
    case array([RESPReply])
    /// RESP3 `%`; pairs in the order the server sent them.
    case map([RESPReplyPair])
    /// RESP3 `~`.
    case set([RESPReply])
    case double(Double)
    case boolean(Bool)
    /// RESP3 `(`, kept as its decimal text.
    case bigNumber(String)
    /// RESP3 `=`: the three-letter format and the text.
    case verbatim(format: String, text: String)
    /// RESP3 `>`: out-of-band data the client never asks for; skipped by the handler.
    case push([RESPReply])

    /// The text of a simple, bulk or verbatim string.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .verbatim(_, let text): text
        default: nil
        }
    }

    /// An integer, or a string holding one (RESP2 spells some numbers as bulk strings).
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .boolean(let flag): flag ? 1 : 0
        default: string.flatMap { Int64($0) }
        }
    }

    /// A double, or a string holding one (RESP2 sends doubles as bulk strings).
    public var double: Double? {
        switch self {
        case .double(let value): value
        case .integer(let value): Double(value)
        default: string.flatMap { Double($0) }
        }
    }

    /// The elements of an array or set.
    public var elements: [RESPReply]? {
        switch self {
        case .array(let elements), .set(let elements): elements
        default: nil
        }
    }

    /// The pairs of a map, or of a RESP2 flat array of alternating keys and values.
    public var pairs: [RESPReplyPair]? {
        switch self {
        case .map(let pairs): return pairs
        case .array(let elements) where elements.count % 2 == 0:
            return stride(from: 0, to: elements.count, by: 2).map { RESPReplyPair(key: elements[$0], value: elements[$0 + 1]) }
        default: return nil
        }
    }

    /// A map's values by their string keys.
    public var dictionary: [String: RESPReply]? {
        pairs.map { pairs in
            Dictionary(pairs.compactMap { pair in pair.key.string.map { ($0, pair.value) } }, uniquingKeysWith: { _, last in last })
        }
    }
}

public struct RESPReplyPair: Sendable, Hashable {
    public var key: RESPReply
    public var value: RESPReply

    public init(key: RESPReply, value: RESPReply) {
        self.key = key
        self.value = value
    }
}
