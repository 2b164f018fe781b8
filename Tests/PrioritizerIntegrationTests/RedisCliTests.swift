import Foundation
import TestSupport
import PrioritizerClient
import Testing

/// The key paths through stock Redis tooling: `redis-cli` (RESP2 and `-3`, arguments and standard
/// input) and inline commands written as plain text on a socket, as `nc` would.
@Suite("redis-cli and inline commands") struct RedisCliTests {
    static let number = #"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#

    @Test(arguments: [false, true]) func sessionTrackPrioritize(resp3: Bool) async throws {
        try await LiveServer.with { live in
            let token = live.acme.token
            let base = ["-h", "127.0.0.1", "-p", String(live.port)] + (resp3 ? ["-3"] : [])
            // RESP2 authenticates with -a TOKEN; RESP3 with --user default --pass TOKEN.
            let auth = resp3 ? ["--no-auth-warning", "--user", "default", "--pass", token] : ["--no-auth-warning", "-a", token]
            let cli = base + auth

            let created = try await redisCli(cli + ["SESSION.CREATE", "LABEL", "cli session", "BUDGET", "2000"])
            #expect(created.status == 0, "\(created)")
            let session = try #require(created.lines.first)
            #expect(created.lines.count == 1)
            #expect(UUID(uuidString: session) != nil && session == session.lowercased(), "\(created)")

            #expect(try await redisCli(cli + ["TRACK", session, "src/main.swift", "code", "edit", "TOKENS", "120"]).lines == ["1"])
            #expect(try await redisCli(cli + ["TRACK", session, "src/main.swift", "CODE", "VIEW"]).lines == ["2"])
            #expect(try await redisCli(cli + ["TRACK", session, "README.md", "DOCUMENTATION", "REFERENCE", "TOKENS", "40"]).lines == ["1"])
            #expect(try await redisCli(cli + ["--no-raw", "TRACK", session, "README.md", "DOCUMENTATION", "VIEW"]).lines == ["(integer) 2"])

            // PRIORITIZE: an array of [path, importance, tokens]; importance a bulk string in RESP2,
            // a double in RESP3.
            let formatted = try await redisCli(cli + ["--no-raw", "PRIORITIZE", session, "1000", "DRYRUN"])
            let lines = formatted.lines
            #expect(lines.count == 6, "\(formatted)")
            if lines.count == 6 {
                #expect(lines[0] == #"1) 1) "src/main.swift""#)
                #expect(lines[2] == "   3) (integer) 120")
                #expect(lines[3] == #"2) 1) "README.md""#)
                #expect(lines[5] == "   3) (integer) 40")
                let importance = resp3 ? #"^   2\) \(double\) "# + Self.number + "$" : #"^   2\) ""# + Self.number + #""$"#
                for line in [lines[1], lines[4]] {
                    #expect(line.range(of: importance, options: .regularExpression) != nil, "\(line)")
                }
            }
            // Raw output: the same entries, flattened; the importance agrees with the client's.
            let raw = try await redisCli(cli + ["PRIORITIZE", session, "1000"]).lines
            #expect(raw.count == 6)
            if raw.count == 6 {
                #expect([raw[0], raw[2], raw[3], raw[5]] == ["src/main.swift", "120", "README.md", "40"])
                let first = try #require(Double(raw[1]))
                let second = try #require(Double(raw[4]))
                #expect(first > second && second > 0)
            }
            // The run was recorded by the non-DRYRUN call only.
            #expect(try await live.count("SELECT count(*) FROM prioritizer.prioritization_runs WHERE session_id = \(session)::uuid") == 1)

            // Other commands' shapes through redis-cli.
            let details = try await redisCli(cli + ["--no-raw", "SESSION.GET", session]).stdout
            #expect(details.contains("\"cli session\"") && details.contains("\"accesses\""), "\(details)")
            if resp3 { #expect(details.contains("=>"), "RESP3 map: \(details)") }
            let whoami = try await redisCli(cli + ["--no-raw", "WHOAMI"]).stdout
            #expect(whoami.contains("\"acme\"") && whoami.contains("\"admin\"") && whoami.contains("\"role\""), "\(whoami)")
            #expect(try await redisCli(cli + ["TOKENS", "hello world"]).lines == ["2"])
            #expect(try await redisCli(cli + ["IMPORTANCE", session, "never/tracked"]).lines == [])
            let missing = try await redisCli(cli + ["--no-raw", "IMPORTANCE", session, "never/tracked"]).lines
            #expect(missing == ["(nil)"])
            let nosession = try await redisCli(cli + ["--no-raw", "SESSION.GET", UUID().uuidString.lowercased()]).lines
            #expect(nosession == ["(error) NOSESSION no such session"])
            let arity = try await redisCli(cli + ["--no-raw", "TRACK", session]).lines
            #expect(arity == ["(error) ERR wrong number of arguments for 'track' command"])
            let metrics = try await redisCli(cli + ["METRICS", session, "FORMAT", "json"]).stdout
            #expect((try? JSONSerialization.jsonObject(with: Data(metrics.utf8))) != nil, "\(metrics)")

            // Rows: every acknowledged TRACK.
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs WHERE session_id = \(session)::uuid") == 4)

            // Not authenticated, or a wrong token.
            let anonymous = try await redisCli(base + ["--no-raw", "SESSION.LIST"]).lines
            #expect(anonymous == ["(error) NOAUTH Authentication required."])
            let wrong = try await redisCli(base + ["--no-auth-warning", "-a", "prk_wrong", "--no-raw", "SESSION.LIST"])
            #expect(wrong.stderr.contains("WRONGPASS invalid token") || wrong.stdout.contains("WRONGPASS invalid token"), "\(wrong)")
            #expect(!wrong.stdout.contains(session))
        }
    }

    @Test func commandsFromStandardInput() async throws {
        try await LiveServer.with { live in
            let cli = ["-h", "127.0.0.1", "-p", String(live.port), "--no-auth-warning", "-a", live.acme.token]
            let created = try await redisCli(cli, input: "SESSION.CREATE LABEL \"from stdin\"\n")
            let session = try #require(created.lines.first)
            #expect(UUID(uuidString: session) != nil, "\(created)")
            let script = """
                TRACK \(session) "docs/design notes.md" documentation view TOKENS 33
                TRACK \(session) "docs/design notes.md" documentation edit
                TRACK \(session) 'src/a b.swift' code view TOKENS 5
                PRIORITIZE \(session) 30 STRATEGY greedy
                SESSION.CLOSE \(session)
                TRACK \(session) x code view

                """
            let output = try await redisCli(cli, input: script)
            #expect(output.lines == ["1", "2", "1", "src/a b.swift", output.lines.count > 4 ? output.lines[4] : "?", "5", "OK", "ERR session is closed"],
                    "\(output)")
            let client = try await live.client(live.acme.token)
            let details = try await client.sessionGet(session)
            #expect(details.label == "from stdin")
            #expect(details.closed)
            #expect(details.resources == 2 && details.accesses == 3)
            #expect(try await client.importance(session: session, path: "docs/design notes.md") != nil)
            try await client.close()
        }
    }

    /// What a human does: inline commands typed into `nc`. With -N, nc half-closes after its
    /// input; the server answers everything, then closes.
    @Test(.enabled(if: toolExists("nc"))) func inlineCommandsThroughNetcat() async throws {
        try await LiveServer.with { live in
            let input = "AUTH \(live.acme.token)\r\nSESSION.CREATE LABEL \"via nc\"\r\nWHOAMI\r\nTOKENS \"hello world\"\r\nSESSION.GET 'not a session'\r\n"
            let output = try await runTool("nc", ["-N", "127.0.0.1", String(live.port)], input: input, timeoutSeconds: 15)
            #expect(output.status == 0, "\(output)")
            let bytes = Array(output.stdout.utf8)
            var replies: [RESPReply] = []
            var offset = 0
            while let (reply, used) = RESPParser.parse(bytes, from: offset) {
                replies.append(reply)
                offset += used
            }
            #expect(offset == bytes.count, "trailing bytes: \(output.stdout)")
            try #require(replies.count == 5, "\(output.stdout)")
            #expect(replies[0] == .simpleString("OK"))
            let session = try #require(replies[1].string)
            #expect(replies[2].dictionary?["org"]?.string == "acme")
            if case .array = replies[2] {} else { Issue.record("WHOAMI in RESP2 is not a flat array: \(replies[2])") }
            #expect(replies[3] == .integer(2))
            #expect(replies[4] == .error(noSession))
            let client = try await live.client(live.acme.token)
            #expect(try await client.sessionGet(session).label == "via nc")
            try await client.close()
        }
    }

    @Test func inlineCommandsOnASocket() async throws {
        try await LiveServer.with { live in
            let token = live.acme.token
            let port = live.port
            // The socket work runs on a thread of its own; the checks run here, in the test's task.
            let (first, replies, rest) = try await offloaded { () throws -> ([RESPReply], [RESPReply], String) in
                let socket = try RawSocket(port: port)
                // Before AUTH: PING yes, anything else NOAUTH.
                try socket.write("PING\r\nSESSION.LIST\r\nAUTH \(token)\r\nSESSION.CREATE LABEL \"inline session\" BUDGET 100\r\n")
                let first = try socket.readReplies(4)
                guard let session = first[3].string else { return (first, [], "") }
                try socket.write(
                    "TRACK \(session) \"docs/with space.md\" DOCUMENTATION VIEW TOKENS 9\r\n"
                        + "track \(session) 'x y' code edit tokens 3\r\n"
                        + "TRACK \(session) 'x y' code edit\n"
                        + "PRIORITIZE \(session) 100 DRYRUN\r\n"
                        + "HELLO 3\r\n"
                        + "PRIORITIZE \(session) 100 DRYRUN\r\n"
                        + "FOO bar\r\n"
                        + "SESSION.GET nope\r\n"
                        + "TRACK \(session)\r\n"
                        + "ECHO \"a\\tb\"\r\n")
                let replies = try socket.readReplies(10)
                // A protocol error answers -ERR Protocol error and closes that connection only.
                try socket.write("*1\r\n$abc\r\n")
                let rest = String(decoding: socket.readToEnd(), as: UTF8.self)
                return (first, replies, rest)
            }
            #expect(first[0] == .simpleString("PONG"))
            #expect(first[1] == .error("NOAUTH Authentication required."))
            #expect(first[2] == .simpleString("OK"))
            let session = try #require(first[3].string)
            try #require(replies.count == 10)
            #expect(replies[0] == .integer(1))
            #expect(replies[1] == .integer(1))
            #expect(replies[2] == .integer(2))
            // RESP2: importance a bulk decimal string.
            let resp2 = try #require(replies[3].elements)
            #expect(resp2.count == 2)
            #expect(resp2.first?.elements?.first?.string == "x y")
            if case .bulkString(let text)? = resp2.first?.elements?[1] {
                #expect(Double(String(decoding: text, as: UTF8.self)) != nil)
            } else {
                Issue.record("RESP2 importance is not a bulk string: \(resp2)")
            }
            #expect(resp2.first?.elements?[2] == .integer(3))
            #expect(resp2.last?.elements?.first?.string == "docs/with space.md")
            #expect(replies[4].dictionary?["proto"]?.integer == 3, "\(replies[4])")
            // RESP3: a double.
            let resp3 = try #require(replies[5].elements)
            if case .double(let value)? = resp3.first?.elements?[1] {
                #expect(value > 0)
            } else {
                Issue.record("RESP3 importance is not a double: \(resp3)")
            }
            #expect(errorLine(of: replies[6])?.hasPrefix("ERR unknown command 'FOO'") == true, "\(replies[6])")
            #expect(replies[7] == .error(noSession))
            #expect(replies[8] == .error("ERR wrong number of arguments for 'track' command"))
            #expect(replies[9].string == "a\tb")
            #expect(rest.hasPrefix("-ERR Protocol error"), "\(rest)")
            let client = try await live.client(token)
            #expect(try await client.sessionGet(session).label == "inline session")
            #expect(try await client.sessionGet(session).accesses == 3)
            #expect(try await client.ping() == "PONG")
            try await client.close()
        }
    }
}
