import NIOCore

/// Decodes requests, multibulk or inline, from a connection's bytes.
///
/// The decoder consumes each bulk argument as soon as it is complete and remembers where it is
/// within a request, so a large request arriving in many reads is parsed once, not once per
/// read. It never reserves memory for a length that only a header declares: a bulk waits in
/// the channel's cumulation buffer, which grows only as bytes actually arrive, and every
/// declared length is checked against `RESPLimits` before any waiting starts.
///
/// Malformed input throws `RESPProtocolError`; requests decoded before it in the same read are
/// still delivered first, so the connection answers them in order and then the error.
public struct RESPRequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPRequest

    public let limits: RESPLimits
    /// When set and closed, requests are held to `limits.beforeLogin`.
    let loginGate: LoginGate?
    private let limitsBeforeLogin: RESPLimits

    /// Where the decoder stands inside a multibulk request whose header was read.
    private struct PartialRequest {
        var remainingArguments: Int
        var arguments: [ByteBuffer]
        var bytesSoFar: Int
        /// The declared length of the bulk whose `$N` header was consumed but whose bytes
        /// have not all arrived.
        var pendingBulkLength: Int?
    }

    private var partial: PartialRequest?

    public init(limits: RESPLimits = .default) {
        self.init(limits: limits, loginGate: nil)
    }

    init(limits: RESPLimits, loginGate: LoginGate?) {
        self.limits = limits
        self.loginGate = loginGate
        self.limitsBeforeLogin = limits.beforeLogin
    }

    /// Whether the connection's client is held to `limits.beforeLogin`.
    private var beforeLogin: Bool { loginGate.map { !$0.isOpen } ?? false }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch try decodeRequest(from: &buffer) {
        case .request(let request):
            context.fireChannelRead(Self.wrapInboundOut(request))
            return .continue
        case .skipped:
            return .continue
        case .needMoreData:
            return .needMoreData
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A frame cut short by the peer closing is dropped: nobody is left to answer.
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }

    public enum Step: Equatable, Sendable {
        case request(RESPRequest)
        /// Input consumed without producing a request (empty inline line, `*0`, `*-1`).
        case skipped
        case needMoreData
    }

    /// The decoding step itself, free of channel plumbing so fuzzers and tests can drive it.
    public mutating func decodeRequest(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> Step {
        if partial == nil {
            guard let first = buffer.readableBytesView.first else { return .needMoreData }
            guard first == UInt8(ascii: "*") else { return try decodeInline(from: &buffer) }
            guard let count = try readLengthLine(from: &buffer, tooLong: .tooBigMultibulkCount, invalid: .invalidMultibulkLength) else {
                return .needMoreData
            }
            // Redis ignores `*0` and `*-1` (an empty or null array is no command).
            if count == 0 || count == -1 { return .skipped }
            guard count > 0, count <= Int64(limits.maxArguments) else { throw .invalidMultibulkLength }
            if beforeLogin && count > Int64(limitsBeforeLogin.maxArguments) { throw .unauthenticatedMultibulkLength }
            var arguments: [ByteBuffer] = []
            // Grow with what arrives, not with what the header claims.
            arguments.reserveCapacity(min(Int(count), 16))
            partial = PartialRequest(remainingArguments: Int(count), arguments: arguments, bytesSoFar: 0)
        }
        // `partial` is changed in place (`partial!`): a copy taken out of it would share the
        // arguments array, and each append would then copy the whole array.
        while partial != nil {
            if partial!.pendingBulkLength == nil {
                guard let first = buffer.readableBytesView.first else { return .needMoreData }
                guard first == UInt8(ascii: "$") else { throw .expectedDollar(got: first) }
                guard let length = try readLengthLine(from: &buffer, tooLong: .tooBigBulkCount, invalid: .invalidBulkLength) else {
                    return .needMoreData
                }
                guard length >= 0, length <= Int64(limits.maxBulkBytes) else { throw .invalidBulkLength }
                guard partial!.bytesSoFar + Int(length) <= limits.maxRequestBytes else { throw .requestTooLarge }
                partial!.pendingBulkLength = Int(length)
            }
            let length = partial!.pendingBulkLength!
            // Checked again while it arrives: its header may have come while a login was in
            // flight (no bound then), and the login may have failed since.
            if beforeLogin && (length > limitsBeforeLogin.maxBulkBytes
                || partial!.bytesSoFar + length > limitsBeforeLogin.maxRequestBytes) {
                throw .unauthenticatedBulkLength
            }
            guard buffer.readableBytes >= length + 2 else { return .needMoreData }
            let bulk = buffer.readSlice(length: length)!
            guard buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\r"),
                  buffer.readInteger(as: UInt8.self) == UInt8(ascii: "\n") else { throw .missingBulkTerminator }
            partial!.arguments.append(bulk)
            partial!.bytesSoFar += length
            partial!.pendingBulkLength = nil
            partial!.remainingArguments -= 1
            if partial!.remainingArguments == 0 {
                return .request(RESPRequest(arguments: partial.take()!.arguments))
            }
        }
        return .needMoreData
    }

    /// What scanning the buffer for a length line found: how long the line is so far (up to its
    /// CR, or every byte scanned while no CR has come) and how it ends.
    private struct LengthLineScan {
        enum End {
            case notYet
            case missingLineFeed
            case lineFeed(value: Int64?)
        }

        let length: Int
        let end: End
    }

    /// Reads `<type byte><decimal>\r\n`; nil when the line is not complete yet.
    ///
    /// Scans the bytes in place: through `ByteBufferView`, the search and the digits' iteration
    /// went through the view's indices one byte at a time (its eight length lines were a sixth of
    /// a pipelined TRACK's decoding).
    private func readLengthLine(
        from buffer: inout ByteBuffer, tooLong: RESPProtocolError, invalid: RESPProtocolError
    ) throws(RESPProtocolError) -> Int64? {
        let scan = buffer.withUnsafeReadableBytes { bytes -> LengthLineScan in
            guard let carriageReturn = bytes.firstIndex(of: UInt8(ascii: "\r")) else { return LengthLineScan(length: bytes.count, end: .notYet) }
            guard carriageReturn + 1 < bytes.count else { return LengthLineScan(length: carriageReturn, end: .notYet) }
            guard bytes[carriageReturn + 1] == UInt8(ascii: "\n") else { return LengthLineScan(length: carriageReturn, end: .missingLineFeed) }
            // The type byte (`*` or `$`, checked by the caller) comes first, so the CR is past it.
            let value = carriageReturn > 0 ? StrictInteger.parse(bytes[1..<carriageReturn]) : nil
            return LengthLineScan(length: carriageReturn, end: .lineFeed(value: value))
        }
        // The limit first, whatever the line's end: a line past it is too long whatever follows,
        // so the answer does not depend on how the client's bytes were cut into reads (scripts/fuzz
        // found "expected CRLF after length" in one read and "too big" in two).
        if scan.length > limits.maxInlineBytes { throw tooLong }
        switch scan.end {
        case .notYet:
            return nil
        case .missingLineFeed:
            throw .missingLineTerminator
        case .lineFeed(let value):
            guard let value else { throw invalid }
            buffer.moveReaderIndex(forwardBy: scan.length + 2)
            return value
        }
    }

    private func decodeInline(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> Step {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > limits.maxInlineBytes { throw .tooBigInlineRequest }
            return .needMoreData
        }
        var lineEnd = newline
        if lineEnd > view.startIndex, view[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        if lineEnd - view.startIndex > limits.maxInlineBytes { throw .tooBigInlineRequest }
        let words = try InlineCommandSplitter.split(Array(view[view.startIndex..<lineEnd]))
        buffer.moveReaderIndex(forwardBy: newline + 1 - view.startIndex)
        if words.isEmpty { return .skipped }
        if words.count > limits.maxArguments { throw .tooManyArguments }
        if beforeLogin && words.count > limitsBeforeLogin.maxArguments { throw .unauthenticatedInlineArguments }
        // One storage for all the words, each argument a slice of it: a buffer each was an
        // allocation per word (up to 32,000 in a 64 KiB line).
        var joined = ByteBuffer()
        joined.reserveCapacity(words.reduce(0) { $0 + $1.count })
        for word in words { joined.writeBytes(word) }
        return .request(RESPRequest(arguments: words.map { joined.readSlice(length: $0.count)! }))
    }
}
