import Foundation
import TestSupport
import PrioritizerClient
import Testing

/// Protocol and argument details: Redis's inline quoting, protocol errors closing only their own
/// connection, token-source precedence, SESSION.LIST's default limit, agent name clashes.
@Suite("Protocol details") struct ProtocolDetailTests {
    @Test func inlineQuotingAndProtocolErrors() async throws {
        try await LiveServer.with { live in
            let port = live.port, token = live.acme.token
            let (replies, closing, oversized) = try await offloaded { () throws -> ([RESPReply], String, String) in
                let socket = try RawSocket(port: port)
                try socket.write(
                    "AUTH \(token)\r\n"
                        + "ECHO 'it\\'s'\r\n"
                        + "ECHO \"\\x41\\x42 \\\"q\\\"\"\r\n"
                        + "ECHO \"\"\r\n"
                        + "   PING    spaced   \r\n"
                        + "\r\n"
                        + "PING\r\n")
                let replies = try socket.readReplies(6)
                // Unbalanced quotes: a protocol error, then the connection closes.
                try socket.write("ECHO \"open\r\n")
                let closing = String(decoding: socket.readToEnd(), as: UTF8.self)
                // A bulk string over the 64 MiB limit: refused from its header alone.
                let other = try RawSocket(port: port)
                try other.write("*2\r\n$4\r\nECHO\r\n$999999999999\r\n")
                let oversized = String(decoding: other.readToEnd(), as: UTF8.self)
                return (replies, closing, oversized)
            }
            #expect(replies[0] == .simpleString("OK"))
            #expect(replies[1].string == "it's")
            #expect(replies[2].string == "AB \"q\"")
            #expect(replies[3].string == "")
            #expect(replies[4].string == "spaced")
            #expect(replies[5] == .simpleString("PONG"))
            #expect(closing.hasPrefix("-ERR Protocol error"), "\(closing)")
            #expect(oversized.hasPrefix("-ERR Protocol error"), "\(oversized)")
            // Only those connections closed.
            let client = try await live.client(token)
            #expect(try await client.ping() == "PONG")
            try await client.close()
        }
    }

    @Test func tokenSourcePrecedenceAndBinaryArguments() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            let session = try await client.createSession()
            let text = "struct Point { var x: Double; var y: Double }\n"
            let exact = try await client.tokens(text)
            // CONTENT wins over TOKENS and SIZE, whatever the order of the options.
            try await client.call(["TRACK", session, "p.swift", "CODE", "VIEW", "TOKENS", "999", "SIZE", "100000", "CONTENT", text])
            try await client.call(["TRACK", session, "q.swift", "CODE", "VIEW", "CONTENT", text, "TOKENS", "999"])
            // TOKENS wins over SIZE.
            try await client.call(["TRACK", session, "r.swift", "CODE", "VIEW", "SIZE", "100000", "TOKENS", "12"])
            let tokens = Dictionary(uniqueKeysWithValues: try await client.top(session: session).map { ($0.path, $0.tokens) })
            #expect(tokens["p.swift"] == exact)
            #expect(tokens["q.swift"] == exact)
            #expect(tokens["r.swift"] == 12)
            // The content is not stored: only its hash.
            let stored = try await live.count(
                "SELECT count(*) FROM prioritizer.resources r WHERE to_jsonb(r)::text LIKE '%' || \("struct Point") || '%'")
            #expect(stored == 0)

            // Paths are binary-safe bulk strings but must be text PostgreSQL can hold.
            let nul = try await client.send([Array("TRACK".utf8), Array(session.utf8), [0x61, 0x00, 0x62], Array("CODE".utf8), Array("VIEW".utf8)])
            #expect(errorLine(of: nul)?.hasPrefix("ERR ") == true, "\(nul)")
            let unicode = "docs/ünïcødé 文件.md"
            #expect(try await client.track(session: session, path: unicode, type: .documentation, access: .view, tokens: 3) == 1)
            #expect(try await client.importance(session: session, path: unicode) != nil)
            #expect(try await live.count("SELECT count(*) FROM prioritizer.resources WHERE path = \(unicode)") == 1)
            try await client.close()
        }
    }

    @Test func sessionListDefaultLimitAndAgentNameClash() async throws {
        try await LiveServer.with { live in
            let client = try await live.client(live.acme.token)
            var ids: [String] = []
            for _ in 0..<105 { ids.append(try await client.createSession()) }
            let list = try await client.sessionList()
            #expect(list.count == 100)
            #expect(list == Array(ids.reversed().prefix(100)))
            #expect(try await client.sessionList(limit: 200).count == 105)

            _ = try await client.agentCreate(name: "twin")
            let clash = await errorLine { try await client.agentCreate(name: "twin") }
            #expect(clash?.hasPrefix("ERR ") == true, "\(clash ?? "created twice")")
            #expect(try await client.agentList().filter { $0.name == "twin" }.count == 1)
            let unknown = await errorLine { try await client.agentRevoke(name: "nobody") }
            #expect(unknown?.hasPrefix("ERR ") == true, "\(unknown ?? "revoked nobody")")
            // An agent name of another organization is not this one's to revoke.
            let globex = try await live.client(live.globex.token)
            _ = try await globex.agentCreate(name: "globex-only")
            #expect(await errorLine { try await client.agentRevoke(name: "globex-only") }?.hasPrefix("ERR ") == true)
            #expect(try await globex.agentList().first { $0.name == "globex-only" }?.revoked == false)
            try await globex.close()
            try await client.close()
        }
    }
}
