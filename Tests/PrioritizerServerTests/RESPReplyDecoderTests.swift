import NIOCore
@testable import PrioritizerClient
import Testing

@Suite("Client reply decoder")
struct RESPReplyDecoderTests {
    static let stream = "+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n_\r\n,1.5\r\n,inf\r\n#t\r\n(12345678901234567890\r\n"
        + "=15\r\ntxt:Some string\r\n%1\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n~1\r\n:7\r\n|1\r\n+a\r\n+b\r\n:9\r\n!5\r\nERR x\r\n"

    static let expected: [RESPReply] = [
        .simpleString("OK"), .error("ERR bad"), .integer(42), .bulkString(Array("hello".utf8)), .null, .null, .null,
        .double(1.5), .double(.infinity), .boolean(true), .bigNumber("12345678901234567890"),
        .verbatim(format: "txt", text: "Some string"),
        .map([RESPReplyPair(key: .bulkString([UInt8(ascii: "k")]), value: .array([.integer(1), .integer(2)]))]),
        .set([.integer(7)]), .integer(9), .error("ERR x"),
    ]

    /// Through the parser alone, and through the decoder (its scan resumed chunk by chunk):
    /// both must read the same replies.
    static func decodeAll(_ chunks: [ArraySlice<UInt8>]) throws -> [RESPReply] {
        var buffer = ByteBuffer()
        var replies: [RESPReply] = []
        var decoder = RESPReplyDecoder()
        var decoderBuffer = ByteBuffer()
        var decoded: [RESPReply] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let reply = try RESPReplyDecoder.parse(&buffer) { replies.append(reply) }
            decoderBuffer.writeBytes(chunk)
            while let reply = try decoder.next(from: &decoderBuffer) { decoded.append(reply) }
        }
        #expect(decoded == replies)
        #expect(decoder.parses == replies.count)
        return replies
    }

    @Test func decodesEveryType() throws {
        #expect(try Self.decodeAll([ArraySlice(Self.stream.utf8)]) == Self.expected)
    }

    @Test func splitAtEveryByteBoundary() throws {
        let bytes = Array(Self.stream.utf8)
        for split in 0...bytes.count {
            #expect(try Self.decodeAll([bytes[..<split], bytes[split...]]) == Self.expected, "split at \(split)")
        }
        // One byte a read: the scan resumes inside every kind of element and aggregate.
        #expect(try Self.decodeAll(bytes.indices.map { bytes[$0...$0] }) == Self.expected)
    }

    /// A TOP of 20,000 entries arriving in 2,000 reads: parsed once, when whole. Before, every
    /// read parsed it from its start (2,000 parses, about a million entries built and dropped).
    @Test func aLongReplyInManyReadsIsParsedOnce() throws {
        var text = "*20000\r\n"
        for index in 0..<20_000 { text += "*3\r\n$\("src/f\(index).swift".utf8.count)\r\nsrc/f\(index).swift\r\n,0.5\r\n:\(index)\r\n" }
        text += "+OK\r\n"
        let bytes = Array(text.utf8)
        let size = bytes.count / 2_000 + 1
        let chunks = stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
        var decoder = RESPReplyDecoder()
        var buffer = ByteBuffer()
        var replies: [RESPReply] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let reply = try decoder.next(from: &buffer) { replies.append(reply) }
        }
        #expect(replies.count == 2 && replies[1] == .simpleString("OK"))
        guard case .array(let entries) = replies[0] else {
            Issue.record("not an array: the first reply")
            return
        }
        #expect(entries.count == 20_000)
        #expect(entries.last == .array([.bulkString(Array("src/f19999.swift".utf8)), .double(0.5), .integer(19_999)]))
        #expect(decoder.parses == 2)
    }

    @Test func resp2ShapesReadAsTheirMeaning() {
        let flatMap = RESPReply.array([.bulkString(Array("a".utf8)), .integer(1)])
        #expect(flatMap.dictionary?["a"] == .integer(1))
        #expect(RESPReply.bulkString(Array("2.5".utf8)).double == 2.5)
    }

    @Test func rejectsGarbage() {
        for text in ["?what\r\n", String(repeating: "*1\r\n", count: 100) + ":1\r\n", "*x\r\n", "$-7\r\n"] {
            var buffer = ByteBuffer(string: text)
            #expect(throws: PrioritizerClientError.self) { try RESPReplyDecoder.parse(&buffer) }
            var decoder = RESPReplyDecoder()
            buffer = ByteBuffer(string: text)
            #expect(throws: PrioritizerClientError.self) { try decoder.next(from: &buffer) }
        }
    }

    /// A blob length near Int.max made `count + 2` overflow: the client process trapped on one
    /// header from a faulty peer. Lengths past `maxBlobBytes` are refused instead.
    @Test func refusesBlobLengthsPastItsBound() throws {
        for header in ["$9223372036854775807\r\n", "=9223372036854775806\r\n", "!\(RESPReplyDecoder.maxBlobBytes + 1)\r\n"] {
            var buffer = ByteBuffer(string: header)
            #expect(throws: PrioritizerClientError.self, "\(header)") { try RESPReplyDecoder.parse(&buffer) }
        }
        // Aggregate counts too: the decoder's scan doubled a map's count, which trapped near Int.max.
        for header in ["%4611686018427387904\r\n", "|4611686018427387904\r\n", "*9223372036854775807\r\n", "$5\r\nhelloXY"] {
            var buffer = ByteBuffer(string: header)
            var decoder = RESPReplyDecoder()
            #expect(throws: PrioritizerClientError.self, "\(header)") { try decoder.next(from: &buffer) }
        }
        var withinBound = ByteBuffer(string: "$1000\r\nabc")
        #expect(try RESPReplyDecoder.parse(&withinBound) == nil, "incomplete, within the bound: wait for more")
    }
}
