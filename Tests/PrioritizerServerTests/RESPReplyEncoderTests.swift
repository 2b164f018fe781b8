import NIOCore
import Testing
@testable import PrioritizerServer

@Suite("RESP reply encoder")
struct RESPReplyEncoderTests {
    static let cases: [(value: RESPValue, resp2: String, resp3: String)] = [
        (.simpleString("OK"), "+OK\r\n", "+OK\r\n"),
        (.error("ERR syntax error"), "-ERR syntax error\r\n", "-ERR syntax error\r\n"),
        (.error("ERR line\r\nbreak"), "-ERR line  break\r\n", "-ERR line  break\r\n"),
        (.integer(-42), ":-42\r\n", ":-42\r\n"),
        (.bulkString("hello"), "$5\r\nhello\r\n", "$5\r\nhello\r\n"),
        (.bulkString(""), "$0\r\n\r\n", "$0\r\n\r\n"),
        (.bulkString("a\r\nb"), "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"),
        (.null, "$-1\r\n", "_\r\n"),
        (.array([]), "*0\r\n", "*0\r\n"),
        (.array([.integer(1), .bulkString("x"), .null]), "*3\r\n:1\r\n$1\r\nx\r\n$-1\r\n", "*3\r\n:1\r\n$1\r\nx\r\n_\r\n"),
        (.map(["a": .integer(1), "b": .bulkString("c")]), "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nc\r\n", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        (.double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
        (.double(3), "$1\r\n3\r\n", ",3\r\n"),
        (.double(1e-300), "$6\r\n1e-300\r\n", ",1e-300\r\n"),
        (.double(.infinity), "$3\r\ninf\r\n", ",inf\r\n"),
        (.double(-.infinity), "$4\r\n-inf\r\n", ",-inf\r\n"),
        (.boolean(true), ":1\r\n", "#t\r\n"),
        (.boolean(false), ":0\r\n", "#f\r\n"),
        (.array([.array([.bulkString("/a"), .double(2.25), .integer(10)])]),
         "*1\r\n*3\r\n$2\r\n/a\r\n$4\r\n2.25\r\n:10\r\n", "*1\r\n*3\r\n$2\r\n/a\r\n,2.25\r\n:10\r\n"),
    ]

    @Test(arguments: cases)
    func encodesBothVersions(value: RESPValue, resp2: String, resp3: String) {
        #expect(String(buffer: RESPReplyEncoder.encoded(value, version: .resp2)) == resp2)
        #expect(String(buffer: RESPReplyEncoder.encoded(value, version: .resp3)) == resp3)
    }

    @Test func doublesRoundTrip() {
        for value in [0.1, 1.0 / 3.0, 123456.789, 2.5e-8, 9.007199254740993e15, -7.25] {
            #expect(Double(RESPReplyEncoder.formatDouble(value)) == value)
        }
        #expect(RESPReplyEncoder.formatDouble(.nan) == "nan")
    }
}
