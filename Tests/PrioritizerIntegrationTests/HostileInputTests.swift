import Foundation
import TestSupport
import PQ
import PrioritizerClient
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Malformed and abusive requests through a real server over TCP: each gets its documented
/// error (docs/server.md, "Errors the server writes itself"), never `-TRYAGAIN` or
/// `-ERR internal error`; the server keeps serving other connections; memory stays bounded.
/// The decoder's own table, with every limit, is `RESPRequestDecoderHostileTests`.
@Suite("Hostile input over TCP") struct HostileInputTests {
    /// Bytes that break the protocol: answered `-ERR Protocol error: <reason>`, then closed.
    static let protocolViolations: [(name: String, bytes: [UInt8], reason: String)] = [
        ("2 GB declared bulk", Array("*1\r\n$2000000000\r\n".utf8), "invalid bulk length"),
        ("negative bulk length", Array("*1\r\n$-7\r\n".utf8), "invalid bulk length"),
        ("non-numeric bulk length", Array("*1\r\n$12abc\r\n".utf8), "invalid bulk length"),
        ("2^70 bulk length", Array("*1\r\n$1180591620717411303424\r\n".utf8), "invalid bulk length"),
        ("negative array length", Array("*-5\r\n".utf8), "invalid multibulk length"),
        ("non-numeric array length", Array("*x\r\n".utf8), "invalid multibulk length"),
        ("more arguments than the limit", Array("*65537\r\n".utf8), "invalid multibulk length"),
        ("header line over the limit", Array(("*1\r\n$" + String(repeating: "9", count: 70_000)).utf8), "too big bulk count string"),
        ("integer where a bulk belongs", Array("*2\r\n$4\r\nECHO\r\n:5\r\n".utf8), "expected '$', got ':'"),
        ("nested array where a bulk belongs", Array("*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n".utf8), "expected '$', got '*'"),
        ("simple string where a bulk belongs", Array("*1\r\n+PING\r\n".utf8), "expected '$', got '+'"),
        ("binary byte where a bulk belongs", [UInt8]("*1\r\n".utf8) + [0xff, 0x00], "expected '$', got '\\xff'"),
        ("bulk longer than declared", Array("*2\r\n$4\r\nECHO\r\n$1\r\nabc\r\n".utf8), "expected CRLF after bulk string"),
        ("CR without LF after a length", Array("*1\rPING".utf8), "expected CRLF after length"),
        ("unbalanced double quote", Array("ECHO \"abc\r\n".utf8), "unbalanced quotes in request"),
        ("unbalanced single quote", Array("ECHO 'abc\r\n".utf8), "unbalanced quotes in request"),
        ("quote followed by a letter", Array("ECHO \"a\"b\r\n".utf8), "unbalanced quotes in request"),
        ("inline line over 64 KiB", Array((String(repeating: "A", count: 70_000) + "\r\n").utf8), "too big inline request"),
        ("inline line over 64 KiB, no newline", Array(String(repeating: "A", count: 70_000).utf8), "too big inline request"),
    ]

    @Test func protocolViolationsAreAnsweredAndClosedWhileOthersCarryOn() async throws {
        try await LiveServer.with { live in
            let bystander = try await live.client(live.acme.token)
            let session = try await bystander.createSession(budget: 1000)
            for (index, violation) in Self.protocolViolations.enumerated() {
                let raw = try RawSocket(port: live.port)
                try raw.write(violation.bytes)
                let answer = try await offloaded { raw.readToEnd() }
                #expect(String(decoding: answer, as: UTF8.self) == "-ERR Protocol error: \(violation.reason)\r\n", "\(violation.name)")
                // Meanwhile the other connection is served as if nothing happened.
                #expect(try await bystander.track(session: session, path: "src/a.swift", type: .code, access: .view) == index + 1)
            }
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == Self.protocolViolations.count)
            try await bystander.close()
        }
    }

    /// A frame cut short and the sending side closed: nothing to answer, nothing decoded, and
    /// the requests before it in the same stream are still answered. Logged in (pipelined), so
    /// that the 60 MB bulk is within bounds; before login it is refused at once
    /// (`BeforeLoginLimitsTests`).
    @Test func truncatedFramesAreDroppedQuietly() async throws {
        try await LiveServer.with { live in
            for truncated in ["*2\r\n$4\r\nECHO\r\n", "*2\r\n$4\r\nECHO\r\n$5\r\nhel", "*2\r", "*1\r\n$60000000\r\nabc", "PING"] {
                let raw = try RawSocket(port: live.port)
                try raw.write("AUTH \(live.acme.token)\r\nPING\r\n" + truncated)
                shutdown(raw.fd, Int32(SHUT_WR))
                let answer = try await offloaded { raw.readToEnd() }
                #expect(String(decoding: answer, as: UTF8.self) == "+OK\r\n+PONG\r\n", "\(truncated.debugDescription)")
            }
        }
    }

    /// Declared lengths are not allocated: many connections each announce a 60 MB bulk (within
    /// the limit; each logs in first, as before login it is refused) and send only a few bytes of
    /// it. Were the declared sizes reserved, the process would grow by gigabytes.
    @Test func declaredButUnsentBulksDoNotGrowMemory() async throws {
        try await LiveServer.with { live in
            let connections = 24
            let before = residentBytes()
            var sockets: [RawSocket] = []
            for _ in 0..<connections {
                let raw = try RawSocket(port: live.port)
                try raw.write("AUTH \(live.acme.token)\r\n*2\r\n$4\r\nECHO\r\n$60000000\r\n" + String(repeating: "x", count: 1000))
                sockets.append(raw)
            }
            // Every connection's bytes have been read by the server once a later request on a
            // fresh connection is answered after them (the server reads all sockets in turn).
            let probe = try await live.client(live.acme.token)
            #expect(try await probe.call(["PING"]) == .simpleString("PONG"))
            try await Task.sleep(for: .milliseconds(300))
            let grown = residentBytes() - before
            print("declared 24 × 60 MB bulks: resident memory grew by \(grown / 1_048_576) MiB")
            #expect(grown < 400 * 1_048_576, "declared \(connections) × 60 MB, grew \(grown) bytes")
            sockets.removeAll()
            #expect(try await probe.call(["PING"]) == .simpleString("PONG"))
            try await probe.close()
        }
    }

    static let uuid = "00000000-0000-4000-8000-000000000000"
    static let twoTo70 = "1180591620717411303424"
    static let countRange = "must be between 0 and 9007199254740992"

    /// Well-framed requests with hostile arguments: `{s}` stands for a real session id. Each
    /// is answered with its error and the connection stays usable.
    static let hostileArguments: [(words: [[UInt8]], reply: String)] = [
        // NUL and invalid UTF-8 in paths: PostgreSQL text holds neither; rejected before any write.
        (w("TRACK", "{s}") + [Array("src/a\u{0}b.swift".utf8)] + w("CODE", "VIEW"), "ERR path must be valid UTF-8 without NUL bytes"),
        (w("TRACK", "{s}") + [[0x73, 0x72, 0x63, 0x2f, 0xff, 0xfe]] + w("CODE", "VIEW"), "ERR path must be valid UTF-8 without NUL bytes"),
        (w("TRACK", "{s}") + [[0xc0, 0xaf]] + w("CODE", "VIEW"), "ERR path must be valid UTF-8 without NUL bytes"),
        (w("TRACK", "{s}") + [[0xed, 0xa0, 0x80]] + w("CODE", "VIEW"), "ERR path must be valid UTF-8 without NUL bytes"),
        (w("IMPORTANCE", "{s}") + [[0x00]], "ERR path must be valid UTF-8 without NUL bytes"),
        (w("TOKENS.ESTIMATE", "10", "CODE", "PATH") + [[0x61, 0x00]], "ERR path must be valid UTF-8 without NUL bytes"),
        (w("TRACK", "{s}", "", "CODE", "VIEW"), "ERR path must not be empty"),
        (w("TRACK", "{s}", String(repeating: "p", count: 1025), "CODE", "VIEW"), "ERR path is longer than 1024 bytes"),
        (w("TRACK", "{s}", String(repeating: "p", count: 4097), "CODE", "VIEW"), "ERR path is longer than 1024 bytes"),
        (w("SESSION.CREATE", "LABEL") + [[0x6c, 0x00]], "ERR LABEL must be valid UTF-8 without NUL bytes"),
        (w("SESSION.CREATE", "LABEL") + [[0xff]], "ERR LABEL must be valid UTF-8 without NUL bytes"),
        // Absurd numbers.
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "SIZE", "-1"), "ERR SIZE is out of range, \(countRange)"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "SIZE", twoTo70), "ERR value is not an integer or out of range"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "TOKENS", "9007199254740993"), "ERR TOKENS is out of range, \(countRange)"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "AT", "-1"), "ERR AT is out of range, must be between 0 and 253402300799999"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "AT", twoTo70), "ERR value is not an integer or out of range"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "AT", "1e3"), "ERR value is not an integer or out of range"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW", "SIZE"), "ERR syntax error"),
        (w("PRIORITIZE", "{s}", "-1"), "ERR budget is out of range, \(countRange)"),
        (w("PRIORITIZE", "{s}", twoTo70), "ERR value is not an integer or out of range"),
        (w("PRIORITIZE", "{s}", "100", "LIMIT", "-5"), "ERR LIMIT is out of range, \(countRange)"),
        (w("PRIORITIZE", "{s}", "100", "RESERVE", "-9223372036854775808"), "ERR RESERVE is out of range, \(countRange)"),
        (w("PRIORITIZE", "{s}", "100", "RESERVE", "9223372036854775808"), "ERR value is not an integer or out of range"),
        (w("SESSION.CREATE", "BUDGET", "-1"), "ERR BUDGET is out of range, \(countRange)"),
        (w("SESSION.CREATE", "BUDGET", twoTo70), "ERR value is not an integer or out of range"),
        (w("SESSION.CREATE", "HALFLIFE", "nan"), "ERR value is not a valid float"),
        (w("SESSION.CREATE", "HALFLIFE", "inf"), "ERR value is not a valid float"),
        (w("SESSION.CREATE", "HALFLIFE", "1e309"), "ERR value is not a valid float"),
        (w("SESSION.CREATE", "HALFLIFE", "-1"), "ERR HALFLIFE is out of range, must be between 0.001 and 3155760000.0"),
        (w("SESSION.LIST", "LIMIT", twoTo70), "ERR value is not an integer or out of range"),
        (w("TOP", "{s}", "LIMIT", "-1"), "ERR LIMIT is out of range, \(countRange)"),
        (w("TOKENS.ESTIMATE", "-1", "CODE"), "ERR bytes is out of range, \(countRange)"),
        // Too many arguments, unknown words, session ids that are not ids.
        (w("TRACK", "{s}", "a", "CODE", "VIEW") + Array(repeating: Array("SIZE".utf8), count: 300), "ERR value is not an integer or out of range"),
        (w("TRACK", "{s}", "a", "CODE", "VIEW") + Array(repeating: Array("BOGUS".utf8), count: 300), "ERR syntax error"),
        (w("ECHO", "a", "b"), "ERR wrong number of arguments for 'echo' command"),
        (w("SESSION.GET", "'; DROP TABLE prioritizer.sessions; --"), "NOSESSION no such session"),
        (w("SESSION.GET", uuid.uppercased()), "NOSESSION no such session"),
        (w("SESSION.GET") + [[0xff, 0x00]], "NOSESSION no such session"),
        (w("AGENT.CREATE", "x'; DROP TABLE prioritizer.agents; --"), "ERR invalid agent name, use 1 to 64 letters, digits, '.', '_' or '-'"),
        (w("CLIENT", "SETNAME", "a b"), "ERR Client names cannot contain spaces, newlines or special characters."),
    ]

    static func w(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }

    @Test func hostileArgumentsGetTheirDocumentedErrors() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession(budget: 1000)
            for (words, expected) in Self.hostileArguments {
                let request = words.map { $0 == Array("{s}".utf8) ? Array(session.utf8) : $0 }
                let reply = try await client.send(request)
                let shown = String(decoding: Array(words.prefix(4).joined(separator: [0x20])), as: UTF8.self)
                #expect(errorLine(of: reply) == expected, "\(shown.debugDescription)")
            }
            // Binary garbage as a command name: Redis's unknown-command text, connection kept.
            let garbage = try await client.send([[0xff, 0x00, 0x01, 0x80], [0x00]])
            #expect(errorLine(of: garbage)?.hasPrefix("ERR unknown command '") == true, "\(garbage)")
            // Nothing was written by any of them, and the connection still works.
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == 0)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.sessions") == 1)
            #expect(try await client.track(session: session, path: "src/ok.swift", type: .code, access: .view) == 1)
            try await client.close()
        }
    }

    /// SQL text in every string field is data: stored verbatim, harmless, read back the same.
    @Test func sqlTextIsStoredVerbatim() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let label = "Robert'); DROP TABLE prioritizer.sessions; --"
            let paths = [
                "x'; DELETE FROM prioritizer.access_logs; --",
                "$$; SELECT pg_sleep(30); $$",
                "\\x00'::bytea; TRUNCATE prioritizer.resources CASCADE; --",
                "src/日本語/ünïcode \"quoted\" `tick` %s %n {0}.swift",
                "' OR '1'='1",
            ]
            let session = try await client.createSession(budget: 100_000, label: label)
            for path in paths {
                #expect(try await client.track(
                    session: session, path: path, type: .code, access: .edit, tokens: 10,
                    content: "'; TRUNCATE prioritizer.resources; --") == 1)
            }
            try await client.call(["CLIENT", "SETNAME", "';--"])
            let picked = try await client.prioritize(session: session, budget: 1000, prompt: "' OR 1=1; DROP TABLE x; --")
            #expect(Set(picked.map(\.path)) == Set(paths))
            #expect(try await client.importance(session: session, path: paths[0]) != nil)
            #expect(try await client.sessionGet(session).label == label)

            let connection = try await live.sql()
            let stored = try await connection.query("SELECT label FROM prioritizer.sessions WHERE session_id = \(session)::uuid")
            #expect(try stored[0].decode(0, as: String.self) == label)
            var storedPaths: Set<String> = []
            for row in try await connection.query("SELECT path FROM prioritizer.resources") {
                storedPaths.insert(try row.decode(0, as: String.self))
            }
            await connection.close()
            #expect(storedPaths == Set(paths))
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == paths.count)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs") == 1)
            try await client.close()
        }
    }
}

/// The process's resident set, from /proc/self/statm.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
