import NIOCore
import PrioritizerClient
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

    static func decodeAll(_ chunks: [ArraySlice<UInt8>]) throws -> [RESPReply] {
        var buffer = ByteBuffer()
        var replies: [RESPReply] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let reply = try RESPReplyDecoder.parse(&buffer) { replies.append(reply) }
        }
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
    }

    @Test func resp2ShapesReadAsTheirMeaning() {
        let flatMap = RESPReply.array([.bulkString(Array("a".utf8)), .integer(1)])
        #expect(flatMap.dictionary?["a"] == .integer(1))
        #expect(RESPReply.bulkString(Array("2.5".utf8)).double == 2.5)
    }

    @Test func rejectsGarbage() {
        var buffer = ByteBuffer(string: "?what\r\n")
        #expect(throws: PrioritizerClientError.self) { try RESPReplyDecoder.parse(&buffer) }
        var deep = ByteBuffer(string: String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        #expect(throws: PrioritizerClientError.self) { try RESPReplyDecoder.parse(&deep) }
    }

    /// A blob length near Int.max made `count + 2` overflow: the client process trapped on one
    /// header from a faulty peer. Lengths past `maxBlobBytes` are refused instead.
    @Test func refusesBlobLengthsPastItsBound() throws {
        for header in ["$9223372036854775807\r\n", "=9223372036854775806\r\n", "!\(RESPReplyDecoder.maxBlobBytes + 1)\r\n"] {
            var buffer = ByteBuffer(string: header)
            #expect(throws: PrioritizerClientError.self, "\(header)") { try RESPReplyDecoder.parse(&buffer) }
        }
        var withinBound = ByteBuffer(string: "$1000\r\nabc")
        #expect(try RESPReplyDecoder.parse(&withinBound) == nil, "incomplete, within the bound: wait for more")
    }
}
