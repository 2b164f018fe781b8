import NIOCore
import Testing
import PrioritizerStore
@testable import PrioritizerServer

@Suite("Command table: dispatch, arity, authentication, roles")
struct CommandTableTests {
    @Test func everySpecCommandIsDeclaredOnce() {
        let names = CommandTable.standard.declarations.map(\.name)
        let spec = [
            "hello", "auth", "ping", "echo", "quit", "client", "info", "whoami", "command",
            "session.create", "session.get", "session.list", "session.close", "track", "prioritize", "importance",
            "top", "tokens", "tokens.estimate", "metrics", "agent.create", "agent.revoke", "agent.list",
        ]
        for name in spec { #expect(names.contains(name), "\(name)") }
        #expect(Set(names).count == names.count)
        for declaration in CommandTable.standard.declarations {
            #expect(!declaration.summary.isEmpty && !declaration.syntax.isEmpty)
            #expect(declaration.flags.contains(.write) != declaration.flags.contains(.readonly) || declaration.group == "connection")
        }
    }

    @Test func wrongArityUsesRedisText() async {
        var harness = await DispatchHarness.authenticated()
        #expect(errorText(await harness.run("TRACK", "a")) == "ERR wrong number of arguments for 'track' command")
        #expect(errorText(await harness.run("session.get")) == "ERR wrong number of arguments for 'session.get' command")
        #expect(errorText(await harness.run("ECHO", "a", "b")) == "ERR wrong number of arguments for 'echo' command")
        #expect(errorText(await harness.run("PING", "a", "b")) == "ERR wrong number of arguments for 'ping' command")
        #expect(errorText(await harness.run("CLIENT")) == "ERR wrong number of arguments for 'client' command")
        #expect(errorText(await harness.run("CLIENT", "SETNAME")) == "ERR wrong number of arguments for 'client|setname' command")
    }

    /// Logged in: before login every unknown command is answered NOAUTH (see below).
    @Test func unknownCommandUsesRedis7Text() async {
        var harness = await DispatchHarness.authenticated()
        #expect(errorText(await harness.run("FOO", "a", "b")) == "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ")
        #expect(errorText(await harness.run("FOO")) == "ERR unknown command 'FOO', with args beginning with: ")
        let long = String(repeating: "x", count: 300)
        let text = errorText(await harness.run("BAR", long, "y")) ?? ""
        #expect(text.utf8.count < 300)
        #expect(!text.contains("'y'"))
        #expect(errorText(await harness.run("CLIENT", "NOPE")) == "ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")
    }

    @Test func commandNamesAreCaseInsensitive() async {
        var harness = DispatchHarness()
        #expect(await harness.run("ping") == .simpleString("PONG"))
        #expect(await harness.run("PiNg", "x") == .bulkString("x"))
    }

    @Test func beforeAuthOnlyAuthHelloWithAuthPingQuit() async {
        var harness = DispatchHarness()
        for words in [["SESSION.LIST"], ["CLIENT", "ID"], ["HELLO"], ["HELLO", "3"], ["ECHO", "x"], ["WHOAMI"], ["INFO"], ["COMMAND"],
                      ["TRACK", "s", "p", "code", "view"], ["AGENT.LIST"]] {
            #expect(errorText(await harness.run(words)) == "NOAUTH Authentication required.", "\(words)")
        }
        // Unknown commands, unknown subcommands and wrong arity too (SPEC: anything else gets
        // NOAUTH), where Redis answers those first; the commands allowed before login keep theirs.
        for words in [["FOO"], ["FOO", "a"], ["SESSION.GET"], ["CLIENT", "NOPE"], ["CLIENT"], ["TRACK", "a"]] {
            #expect(errorText(await harness.run(words)) == "NOAUTH Authentication required.", "\(words)")
        }
        #expect(errorText(await harness.run("AUTH")) == "ERR wrong number of arguments for 'auth' command")
        #expect(errorText(await harness.run("PING", "a", "b")) == "ERR wrong number of arguments for 'ping' command")
        #expect(await harness.run("PING") == .simpleString("PONG"))
        let quit = await harness.outcome(RESPRequest("QUIT"))
        #expect(quit.reply == .ok && quit.closeAfterReply)
    }

    @Test func authWithTokenAloneOrWithAgentWord() async {
        var harness = DispatchHarness()
        #expect(errorText(await harness.run("AUTH", "wrong")) == "WRONGPASS invalid token")
        #expect(harness.state.identity == nil)
        #expect(await harness.run("AUTH", "agent-token") == .ok)
        #expect(harness.state.identity?.agentName == "worker")

        var named = DispatchHarness()
        #expect(await named.run("AUTH", "worker", "agent-token") == .ok)
        var byDefault = DispatchHarness()
        #expect(await byDefault.run("AUTH", "default", "agent-token") == .ok)
        var mismatched = DispatchHarness()
        #expect(errorText(await mismatched.run("AUTH", "admin", "agent-token")) == "WRONGPASS invalid token")
        #expect(mismatched.state.identity == nil)
        #expect(errorText(await mismatched.run("AUTH", "a", "b", "c")) == "ERR syntax error")
    }

    @Test func helloNegotiatesAndAuthenticates() async {
        var harness = DispatchHarness()
        #expect(errorText(await harness.run("HELLO", "4")) == "NOPROTO unsupported protocol version")
        #expect(errorText(await harness.run("HELLO", "x")) == "ERR Protocol version is not an integer or out of range")
        #expect(errorText(await harness.run("HELLO", "3", "AUTH", "default", "nope")) == "WRONGPASS invalid token")
        #expect(harness.state.protocolVersion == .resp2)

        let reply = await harness.run("HELLO", "3", "AUTH", "default", "admin-token", "SETNAME", "cli")
        #expect(harness.state.protocolVersion == .resp3)
        #expect(harness.state.clientName == "cli")
        #expect(harness.state.identity?.agentName == "admin")
        guard case .map(let entries) = reply else {
            Issue.record("HELLO answered \(reply)")
            return
        }
        let keys = entries.map(\.key)
        #expect(keys == ["server", "version", "proto", "id", "mode", "role", "modules"].map { RESPValue.bulkString($0) })
        #expect(entries[2].value == .integer(3))
        #expect(entries[3].value == .integer(7))

        #expect(errorText(await harness.run("HELLO", "3", "BOGUS")) == "ERR Syntax error in HELLO option 'bogus'")
        if case .map = await harness.run("HELLO", "2") {} else { Issue.record("HELLO 2 after auth should answer the map") }
        #expect(harness.state.protocolVersion == .resp2)
    }

    @Test func readersAreRefusedWrites() async {
        var reader = await DispatchHarness.authenticated("reader-token")
        let id = SessionIDs.any
        #expect(errorText(await reader.run("TRACK", id, "/a", "code", "view"))
            == "NOPERM agent 'auditor' (role reader) has no permissions to run the 'track' command")
        #expect(errorText(await reader.run("SESSION.CREATE"))?.hasPrefix("NOPERM") == true)
        #expect(errorText(await reader.run("SESSION.CLOSE", id))?.hasPrefix("NOPERM") == true)
        #expect(errorText(await reader.run("PRIORITIZE", id, "100"))?.hasPrefix("NOPERM") == true)
        // DRYRUN writes nothing, so readers may run it: the session is unknown, not forbidden.
        #expect(errorText(await reader.run("PRIORITIZE", id, "100", "DRYRUN")) == "NOSESSION no such session")
        #expect(errorText(await reader.run("AGENT.LIST"))?.hasPrefix("NOPERM") == true)
        #expect(await reader.run("TOKENS", "a b c") == .integer(3))
    }

    @Test func onlyAdminsAdministerAgents() async {
        var agent = await DispatchHarness.authenticated("agent-token")
        #expect(errorText(await agent.run("AGENT.CREATE", "bot"))?.hasPrefix("NOPERM") == true)
        #expect(errorText(await agent.run("AGENT.REVOKE", "bot"))?.hasPrefix("NOPERM") == true)

        var admin = await DispatchHarness.authenticated("admin-token")
        guard case .bulkString(let token) = await admin.run("AGENT.CREATE", "bot", "ROLE", "reader") else {
            Issue.record("no token")
            return
        }
        var bot = DispatchHarness(backend: admin.backend)
        #expect(await bot.run("AUTH", String(buffer: token)) == .ok)
        #expect(bot.state.identity?.role == .reader)
        guard case .array(let agents) = await admin.run("AGENT.LIST") else {
            Issue.record("AGENT.LIST")
            return
        }
        #expect(agents.count == 4)
        #expect(await admin.run("AGENT.REVOKE", "bot") == .ok)
        #expect(errorText(await admin.run("AGENT.REVOKE", "nobody")) == "ERR no such agent 'nobody'")
    }

    @Test func revokedTokenStopsWorkingOnAnOpenConnection() async {
        var admin = await DispatchHarness.authenticated("admin-token")
        var worker = DispatchHarness(backend: admin.backend)
        #expect(await worker.run("AUTH", "agent-token") == .ok)
        #expect(await worker.run("TOKENS", "x") == .integer(1))
        #expect(await admin.run("AGENT.REVOKE", "worker") == .ok)
        #expect(errorText(await worker.run("TOKENS", "x")) == "WRONGPASS invalid token")
        #expect(worker.state.identity == nil)
        #expect(errorText(await worker.run("TOKENS", "x")) == "NOAUTH Authentication required.")
        #expect(errorText(await worker.run("AUTH", "agent-token")) == "WRONGPASS invalid token")
    }

    @Test func connectionCommands() async {
        var harness = await DispatchHarness.authenticated()
        #expect(await harness.run("ECHO", "hi") == .bulkString("hi"))
        #expect(await harness.run("CLIENT", "ID") == .integer(7))
        #expect(await harness.run("CLIENT", "GETNAME") == .null)
        #expect(await harness.run("CLIENT", "SETNAME", "agent-1") == .ok)
        #expect(await harness.run("CLIENT", "GETNAME") == .bulkString("agent-1"))
        #expect(errorText(await harness.run("CLIENT", "SETNAME", "has space"))
            == "ERR Client names cannot contain spaces, newlines or special characters.")
        #expect(await harness.run("CLIENT", "SETNAME", "") == .ok)
        #expect(await harness.run("CLIENT", "GETNAME") == .null)
        #expect(await harness.run("CLIENT", "SETINFO", "lib-name", "redis-py") == .ok)
        #expect(await harness.run("CLIENT", "SETINFO", "LIB-VER", "5.0.1") == .ok)
        #expect(harness.state.libraryName == "redis-py" && harness.state.libraryVersion == "5.0.1")
        #expect(errorText(await harness.run("CLIENT", "SETINFO", "lib-color", "x")) == "ERR Unrecognized option 'lib-color'")
        #expect(await harness.run("WHOAMI") == .map(["org": .bulkString("acme"), "agent": .bulkString("admin"), "role": .bulkString("admin")]))
        guard case .bulkString(let info) = await harness.run("INFO") else {
            Issue.record("INFO")
            return
        }
        let text = String(buffer: info)
        #expect(text.contains("# Server\r\n") && text.contains("# Clients\r\n") && text.contains("total_commands_processed:"))
        guard case .bulkString(let clients) = await harness.run("INFO", "clients") else { return }
        #expect(String(buffer: clients).hasPrefix("# Clients\r\n") && !String(buffer: clients).contains("# Server"))
    }

    @Test func commandIntrospection() async {
        var harness = await DispatchHarness.authenticated()
        let count = CommandTable.standard.declarations.count
        #expect(await harness.run("COMMAND", "COUNT") == .integer(Int64(count)))
        guard case .array(let all) = await harness.run("COMMAND") else { return }
        #expect(all.count == count)
        guard case .array(let info) = await harness.run("COMMAND", "INFO", "track", "nope") else { return }
        #expect(info.count == 2 && info[1] == .null)
        guard case .array(let track) = info[0] else { return }
        #expect(track[0] == .bulkString("track") && track[1] == .integer(-5))
        #expect(track[2] == .array([.simpleString("write")]))
        guard case .map(let docs) = await harness.run("COMMAND", "DOCS", "prioritize") else { return }
        #expect(docs.count == 1 && docs[0].key == .bulkString("prioritize"))
        guard case .array(let help) = await harness.run("HELP") else { return }
        #expect(help.contains(.simpleString(SessionCommandDeclarations.track.syntax)))
        guard case .array(let one) = await harness.run("HELP", "track") else { return }
        #expect(one.count == 2)
        guard case .array(let clientHelp) = await harness.run("CLIENT", "HELP") else { return }
        #expect(clientHelp.contains(.simpleString("SETNAME name")))
    }
}

enum SessionIDs {
    static let any = "0f8fad5b-d9cb-469f-a165-70867728950e"
}
