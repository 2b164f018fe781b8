import NIOCore

/// Decodes replies of either protocol version. A reply is parsed only once it has fully
/// arrived (`RESPReplyScanner` tells when, resuming its scan as bytes come), and no length a
/// header declares is ever reserved ahead of the bytes.
public struct RESPReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPReply

    /// Replies nest (arrays of maps of arrays); deeper than this is refused rather than risk
    /// the stack.
    public static let maxDepth = 64

    private var scanner = RESPReplyScanner()
    /// Replies parsed: one per reply, however many reads it arrived in.
    private(set) var parses = 0

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(reply))
        return .continue
    }

    /// The next whole reply at the front of `buffer`, consuming it; nil (nothing consumed) while
    /// it has not fully arrived.
    public mutating func next(from buffer: inout ByteBuffer) throws -> RESPReply? {
        guard let length = try scanner.completeReplyLength(in: buffer) else { return nil }
        let start = buffer.readerIndex
        parses += 1
        guard let reply = try Self.parse(&buffer), buffer.readerIndex - start == length else {
            throw PrioritizerClientError.protocolViolation("a reply scanned whole did not parse as scanned")
        }
        return reply
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }

    /// One whole reply from the front of `buffer`, consuming it; nil (and nothing consumed)
    /// when the reply is not complete yet.
    public static func parse(_ buffer: inout ByteBuffer) throws -> RESPReply? {
        var copy = buffer
        guard let reply = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return reply
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPReply? {
        guard depth <= maxDepth else { throw PrioritizerClientError.protocolViolation("reply nested too deeply") }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = readLine(&buffer) else { return nil }
        let body = String(decoding: line.dropFirst(), as: UTF8.self)
        switch type {
        case UInt8(ascii: "+"): return .simpleString(body)
        case UInt8(ascii: "-"), UInt8(ascii: "!"):
            if type == UInt8(ascii: "!") {
                guard let bytes = try readBlob(length: body, &buffer) else { return nil }
                return .error(String(decoding: bytes ?? [], as: UTF8.self))
            }
            return .error(body)
        case UInt8(ascii: ":"):
            return .integer(try integer(body))
        case UInt8(ascii: "$"):
            guard let bytes = try readBlob(length: body, &buffer) else { return nil }
            return bytes.map(RESPReply.bulkString) ?? .null
        case UInt8(ascii: "="):
            guard let bytes = try readBlob(length: body, &buffer) else { return nil }
            let text = String(decoding: bytes ?? [], as: UTF8.self)
            let format = String(text.prefix(3))
            return .verbatim(format: format, text: String(text.dropFirst(4)))
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: ","):
            switch body.lowercased() {
            case "inf", "+inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan", "-nan": return .double(.nan)
            default:
                guard let value = Double(body) else { throw PrioritizerClientError.protocolViolation("bad double '\(body)'") }
                return .double(value)
            }
        case UInt8(ascii: "#"): return .boolean(body == "t")
        case UInt8(ascii: "("): return .bigNumber(body)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            let count = try length(body)
            if count < 0 { return .null }
            var elements: [RESPReply] = []
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch type {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            default: return .array(elements)
            }
        case UInt8(ascii: "%"), UInt8(ascii: "|"):
            let count = try length(body)
            var pairs: [RESPReplyPair] = []
            for _ in 0..<max(count, 0) {
                guard let key = try parseValue(&buffer, depth: depth + 1),
                      let value = try parseValue(&buffer, depth: depth + 1) else { return nil }
                pairs.append(RESPReplyPair(key: key, value: value))
            }
            // An attribute (`|`) annotates the reply that follows it; we have no use for it.
            if type == UInt8(ascii: "|") { return try parseValue(&buffer, depth: depth + 1) }
            return .map(pairs)
        default:
            throw PrioritizerClientError.protocolViolation("unknown reply type byte \(type)")
        }
    }

    /// A header's length: a count or -1 (null). Also what `RESPReplyScanner` reads headers with.
    static func length(_ text: String) throws -> Int {
        guard let value = Int(text), value >= -1 else { throw PrioritizerClientError.protocolViolation("bad length '\(text)'") }
        return value
    }

    /// A `:` reply's value.
    static func integer(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw PrioritizerClientError.protocolViolation("bad integer '\(text)'") }
        return value
    }

    /// A blob header's length (-1: null), refused past `maxBlobBytes`: checked before `count + 2`,
    /// which overflowed (a trap) for a length near Int.max.
    static func blobLength(_ text: String) throws -> Int {
        let count = try length(text)
        guard count <= maxBlobBytes else {
            throw PrioritizerClientError.protocolViolation("blob of \(count) bytes, over \(maxBlobBytes)")
        }
        return count
    }

    /// Longest blob accepted: far past any reply the server sends (its largest, a METRICS page,
    /// is megabytes), and a bound on what a faulty peer can make this client buffer.
    public static let maxBlobBytes = 1 << 30

    /// The bytes of a `$`/`=`/`!` blob; `.some(nil)` for a null blob, nil when incomplete.
    private static func readBlob(length text: String, _ buffer: inout ByteBuffer) throws -> [UInt8]?? {
        let count = try blobLength(text)
        if count < 0 { return .some(nil) }
        guard buffer.readableBytes >= count + 2 else { return nil }
        let bytes = buffer.readBytes(length: count)!
        guard buffer.readBytes(length: 2) == [0x0d, 0x0a] else {
            throw PrioritizerClientError.protocolViolation("blob not followed by CRLF")
        }
        return .some(bytes)
    }

    /// The line at the front (type byte included, CRLF excluded), consuming it.
    private static func readLine(_ buffer: inout ByteBuffer) -> [UInt8]? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0d), cr + 1 < view.endIndex, view[cr + 1] == 0x0a else { return nil }
        let line = Array(view[view.startIndex..<cr])
        buffer.moveReaderIndex(forwardBy: cr + 2 - view.startIndex)
        return line
    }
}
