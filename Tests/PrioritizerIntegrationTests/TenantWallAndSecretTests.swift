import Foundation
import PQ
import PrioritizerClient
import PrioritizerServer
import PrioritizerStore
import TestSupport
import Testing

/// The tenant wall for the commands that name no session (administration, identity, listing),
/// tokens kept out of logs and error replies, and failed logins slowed.
@Suite("Tenant walls for admin commands, secrets, login throttle") struct TenantWallAndSecretTests {
    @Test func adminCommandsNeverReachAnotherOrganization() async throws {
        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let acmeBotToken = try #require(try await acme.send(["AGENT.CREATE", "bot"]).string)

            // Revoking acme's agent by name from globex: the answer a name nobody has gets, and
            // acme's agent keeps working.
            #expect(try await globex.send(["AGENT.REVOKE", "bot"]) == .error("ERR no such agent 'bot'"))
            #expect(try await globex.send(["AGENT.REVOKE", "nobody-has-this"]) == .error("ERR no such agent 'nobody-has-this'"))
            let acmeBot = try await live.client(acmeBotToken)
            #expect(try await acmeBot.whoami().organization == "acme")

            // globex may have its own "bot": another agent with another token; revoking it leaves acme's alone.
            let globexBotToken = try #require(try await globex.send(["AGENT.CREATE", "bot"]).string)
            #expect(globexBotToken != acmeBotToken)
            let globexBot = try await live.client(globexBotToken)
            #expect(try await globexBot.whoami().organization == "globex")
            // An agent (not admin) of globex may not administer at all.
            for words in [["AGENT.CREATE", "x"], ["AGENT.REVOKE", "bot"], ["AGENT.LIST"]] {
                #expect(errorLine(of: try await globexBot.send(words))?.hasPrefix("NOPERM ") == true, "\(words[0])")
            }
            #expect(try await globex.send(["AGENT.REVOKE", "bot"]) == .simpleString("OK"))
            #expect(await errorLine { try await live.client(globexBotToken) } == "WRONGPASS invalid token")
            let acmeBotAgain = try await live.client(acmeBotToken)
            #expect(try await acmeBotAgain.whoami().agent == "bot")

            // AGENT.LIST shows only the caller's organization: acme's bot active, globex's revoked.
            let acmeList = try #require(try await acme.send(["AGENT.LIST"]).elements)
            let globexList = try #require(try await globex.send(["AGENT.LIST"]).elements)
            #expect(acmeList.count == 2 && globexList.count == 2, "\(acmeList) \(globexList)")
            func revoked(_ list: [RESPReply], _ name: String) -> Bool? {
                for entry in list {
                    guard let fields = entry.dictionary, fields["name"]?.string == name else { continue }
                    if let flag = fields["revoked"]?.integer { return flag == 1 }
                }
                return nil
            }
            #expect(revoked(acmeList, "bot") == false)
            #expect(revoked(globexList, "bot") == true)

            // The commands that name no session answer from the caller's organization only.
            let acmeSession = try await acme.createSession(label: "acme only")
            #expect(!(try await globex.sessionList(limit: 1000)).contains(acmeSession))
            #expect(try await globex.whoami().organization == "globex")
            for client in [acme, globex, acmeBot, globexBot, acmeBotAgain] { try await client.close() }
        }
    }

    /// Every command of the table is walled by a test: the session commands by TenancyTests'
    /// cross-tenant matrix (LINK by RelationTests: another organization's session is unknown, and
    /// relations are per organization), the admin commands above, and the rest, which carry no
    /// tenant data, here. A new command fails this test until it is placed in one of the groups.
    @Test func everyCommandIsCoveredByATenantWall() async throws {
        let namingASession: Set = ["session.get", "session.close", "session.create", "track", "prioritize", "importance", "top", "metrics", "link"]
        let administration: Set = ["agent.create", "agent.revoke", "agent.list", "session.list", "whoami"]
        let ownLoginOnly: Set = ["auth", "hello", "client", "quit"]
        let noTenantData: Set = ["ping", "echo", "command", "help", "tokens", "tokens.estimate", "info"]
        let all = Set(CommandTable.standard.declarations.map(\.name))
        #expect(all == namingASession.union(administration).union(ownLoginOnly).union(noTenantData),
                "unplaced: \(all.subtracting(namingASession.union(administration).union(ownLoginOnly).union(noTenantData)))")

        try await LiveServer.with { live in
            let acme = try await live.client(live.acme.token)
            let globex = try await live.client(live.globex.token)
            let secret = try await acme.createSession(label: "acme-label-secret")
            try await acme.track(session: secret, path: "acme/secret-path.swift", type: .code, access: .edit, tokens: 9)
            _ = try await acme.send(["CLIENT", "SETNAME", "acme-client-name"])
            // What globex can ask that names no session reveals nothing of acme.
            for words in [["INFO"], ["INFO", "all"], ["CLIENT", "GETNAME"], ["CLIENT", "ID"], ["COMMAND", "DOCS", "track"],
                          ["HELP"], ["TOKENS", "x"], ["TOKENS.ESTIMATE", "10", "CODE"], ["PING"], ["ECHO", "x"]] {
                let text = "\(try await globex.send(words))"
                for leak in [secret, "acme", "secret-path", "acme-label-secret", "acme-client-name"] {
                    #expect(!text.contains(leak), "\(words.joined(separator: " ")) shows \(leak)")
                }
            }
            try await acme.close()
            try await globex.close()
        }
    }

    @Test func tokensNeverAppearInLogsOrErrorReplies() async throws {
        try await withTestDatabase { database in
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            let (_, acme) = try await store.createOrganization(name: "acme")
            await store.pool.close()
            let server = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "1", "--log-level", "trace"])
            let port = server.port
            let wrong = "prk_" + String(repeating: "Zq9", count: 14) + "x"
            let shapeless = "not-a-token-" + UUID().uuidString
            var secrets = [acme.token, wrong, shapeless]
            var replies: [RESPReply] = []

            let admin = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: acme.token)
            let agentToken = try #require(try await admin.send(["AGENT.CREATE", "worker"]).string)
            secrets.append(agentToken)
            let worker = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: agentToken)
            let anonymous = try await PrioritizerClient.connect(host: "127.0.0.1", port: port, token: nil)
            for words in [
                ["AUTH", wrong], ["AUTH", shapeless], ["AUTH", "admin", wrong], ["AUTH", "worker", acme.token],
                ["AUTH", wrong, wrong, wrong], ["HELLO", "3", "AUTH", "default", wrong], ["HELLO", "3", "AUTH", wrong],
                ["HELLO", "9", "AUTH", "default", acme.token], ["TRACK", wrong, wrong, "CODE", "VIEW"],
            ] {
                replies.append(try await anonymous.send(words))
            }
            replies.append(try await admin.send(["TRACK", acme.token, "a.swift", "CODE", "VIEW"]))
            replies.append(try await admin.send(["SESSION.GET", acme.token]))
            replies.append(try await admin.send(["AGENT.REVOKE", agentToken]))
            replies.append(try await admin.send(["AGENT.CREATE", acme.token]))
            #expect(try await admin.send(["AGENT.REVOKE", "worker"]) == .simpleString("OK"))
            try await Task.sleep(for: .milliseconds(1_200))
            replies.append(try await worker.send(["WHOAMI"]))
            replies.append(try await anonymous.send(["AUTH", agentToken]))
            #expect(replies.contains(.error("WRONGPASS invalid token")))
            for client in [admin, worker, anonymous] { try? await client.close() }
            await server.stop()

            let log = server.output
            #expect(log.contains("listening"), "the log was not captured: \(log.prefix(200))")
            for secret in secrets {
                #expect(!log.contains(secret), "a token appears in the server's output")
                for reply in replies {
                    #expect(!"\(reply)".contains(secret), "a token appears in the reply \(reply)")
                }
            }
        }
    }

    @Test func burstOfFailedLoginsIsSlowedPerAddress() async throws {
        try await LiveServer.with { live in
            let port = live.port, token = live.acme.token
            let (waits, laterConnection, valid) = try await offloaded { () throws -> ([Duration], Duration, RESPReply) in
                let socket = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                var waits: [Duration] = []
                for attempt in 1...9 {
                    let started = ContinuousClock.now
                    try socket.write(RawSocket.encode(["AUTH", "prk_wrong\(attempt)"]))
                    guard try socket.readReplies(1) == [.error("WRONGPASS invalid token")] else {
                        throw RawSocketError(description: "attempt \(attempt) was not refused")
                    }
                    waits.append(ContinuousClock.now - started)
                }
                // A new connection from the same address does not start afresh.
                let other = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                let started = ContinuousClock.now
                try other.write(RawSocket.encode(["AUTH", "prk_wrong10"]))
                _ = try other.readReplies(1)
                let laterConnection = ContinuousClock.now - started
                // A correct token is never delayed and still works.
                let good = try RawSocket(port: port, receiveTimeoutSeconds: 30)
                try good.write(RawSocket.encode(["AUTH", token]))
                return (waits, laterConnection, try good.readReplies(1)[0])
            }
            // Lower bounds only: a loaded machine can make replies slower, never faster.
            #expect(waits[5] >= .milliseconds(100), "6th failure answered after \(waits[5])")
            #expect(waits[8] >= .milliseconds(800), "9th failure answered after \(waits[8])")
            #expect(laterConnection >= .milliseconds(1_600), "10th failure (new connection) answered after \(laterConnection)")
            #expect(valid == .simpleString("OK"))
        }
    }
}
