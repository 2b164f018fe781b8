import NIOCore
import Prioritization
import Testing
import PrioritizerStore
@testable import PrioritizerServer

@Suite("Typed request parsing")
struct CommandParsingTests {
    let id = SessionIDs.any
    var sessionID: SessionID { SessionID(id)! }
    let parent = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

    @Test func sessionCreateOptionsInAnyCase() throws {
        #expect(try parse("SESSION.CREATE") == .sessionCreate(CreateSessionRequest()))
        let command = try parse(
            "session.create", "budget", "8000", "Label", "dev work", "HALFLIFE", "90.5", "encoding", "CL100K_BASE", "PARENT", parent)
        #expect(command == .sessionCreate(CreateSessionRequest(
            budget: 8000, label: "dev work", halfLifeSeconds: 90.5, encoding: .cl100kBase, parent: SessionID(parent))))
    }

    @Test func trackWithEveryOption() throws {
        #expect(try parse("TRACK", id, "/src/main.swift", "code", "VIEW") == .track(TrackRequest(
            session: sessionID, path: "/src/main.swift", type: .code, access: .view)))
        let command = try parse(
            "TRACK", id, "/docs/a b.md", "Documentation", "edit", "SIZE", "1024", "tokens", "250", "CONTENT", "hello world",
            "modified", "AT", "1700000000000")
        #expect(command == .track(TrackRequest(
            session: sessionID, path: "/docs/a b.md", type: .documentation, access: .edit, size: 1024, tokens: 250,
            content: Array("hello world".utf8), modified: true, at: 1_700_000_000_000)))
    }

    @Test func prioritizeWithEveryOption() throws {
        #expect(try parse("PRIORITIZE", id, "3000") == .prioritize(PrioritizeRequest(session: sessionID, budget: 3000)))
        let command = try parse(
            "PRIORITIZE", id, "3000", "strategy", "Density", "RESERVE", "500", "PROMPT", "fix the bug", "LIMIT", "5",
            "AT", "0", "dryrun")
        #expect(command == .prioritize(PrioritizeRequest(
            session: sessionID, budget: 3000, strategy: .density, reserve: 500, prompt: Array("fix the bug".utf8), limit: 5,
            at: 0, dryRun: true)))
    }

    @Test func otherCommands() throws {
        #expect(try parse("SESSION.GET", id) == .sessionGet(sessionID))
        #expect(try parse("SESSION.LIST") == .sessionList(limit: 100))
        #expect(try parse("SESSION.LIST", "limit", "5") == .sessionList(limit: 5))
        #expect(try parse("SESSION.CLOSE", id) == .sessionClose(sessionID))
        #expect(try parse("IMPORTANCE", id, "/a", "AT", "5") == .importance(ImportanceRequest(session: sessionID, path: "/a", at: 5)))
        #expect(try parse("TOP", id) == .top(TopRequest(session: sessionID, limit: 10)))
        #expect(try parse("TOP", id, "LIMIT", "3", "at", "9") == .top(TopRequest(session: sessionID, limit: 3, at: 9)))
        #expect(try parse("TOKENS", "some text") == .tokens(TokensRequest(text: Array("some text".utf8))))
        #expect(try parse("TOKENS", "x", "ENCODING", "o200k_base") == .tokens(TokensRequest(text: [UInt8(ascii: "x")], encoding: .o200kBase)))
        #expect(try parse("TOKENS.ESTIMATE", "4096", "data", "PATH", "/d.csv")
            == .tokensEstimate(TokenEstimateRequest(bytes: 4096, type: .data, path: "/d.csv")))
        #expect(try parse("METRICS", id) == .metrics(MetricsRequest(session: sessionID)))
        #expect(try parse("METRICS", id, "FORMAT", "json") == .metrics(MetricsRequest(session: sessionID, format: .json)))
        #expect(try parse("AGENT.CREATE", "ci-bot") == .agentCreate(name: "ci-bot", role: .agent))
        #expect(try parse("AGENT.CREATE", "ci-bot", "role", "READER") == .agentCreate(name: "ci-bot", role: .reader))
        #expect(try parse("AGENT.REVOKE", "ci-bot") == .agentRevoke(name: "ci-bot"))
        #expect(try parse("AGENT.LIST") == .agentList)
    }

    static let errors: [(words: [String], message: String)] = [
        (["SESSION.CREATE", "BUDGET", "-1"], "ERR BUDGET is out of range, must be between 0 and 9007199254740992"),
        (["SESSION.CREATE", "BUDGET", "9007199254740993"], "ERR BUDGET is out of range, must be between 0 and 9007199254740992"),
        (["SESSION.CREATE", "BUDGET", "1180591620717411303424"], "ERR value is not an integer or out of range"),
        (["SESSION.CREATE", "BUDGET", "12abc"], "ERR value is not an integer or out of range"),
        (["SESSION.CREATE", "BUDGET", "1.5"], "ERR value is not an integer or out of range"),
        (["SESSION.CREATE", "BUDGET"], "ERR syntax error"),
        (["SESSION.CREATE", "COLOR", "red"], "ERR syntax error"),
        (["SESSION.CREATE", "HALFLIFE", "0"], "ERR HALFLIFE is out of range, must be between 0.001 and 3155760000.0"),
        (["SESSION.CREATE", "HALFLIFE", "nan"], "ERR value is not a valid float"),
        (["SESSION.CREATE", "HALFLIFE", "inf"], "ERR value is not a valid float"),
        (["SESSION.CREATE", "ENCODING", "p50k"], "ERR unknown encoding 'p50k', expected one of: o200k_base, cl100k_base"),
        (["SESSION.CREATE", "PARENT", "nope"], "NOSESSION no such session"),
        (["SESSION.CREATE", "LABEL", "a\u{0}b"], "ERR LABEL must be valid UTF-8 without NUL bytes"),
        (["SESSION.GET", "0F8FAD5B-D9CB-469F-A165-70867728950E"], "NOSESSION no such session"),
        (["SESSION.GET", "{0f8fad5b-d9cb-469f-a165-70867728950e}"], "NOSESSION no such session"),
        (["SESSION.GET", "0f8fad5bd9cb469fa16570867728950e"], "NOSESSION no such session"),
        (["SESSION.LIST", "LIMIT", "-5"], "ERR LIMIT is out of range, must be between 0 and 9007199254740992"),
        (["TRACK", SessionIDs.any, "/a", "binary", "view"],
         "ERR unknown resource type 'binary', expected one of: CODE, DOCUMENTATION, DATA, RESEARCH, GENERATED"),
        (["TRACK", SessionIDs.any, "/a", "code", "touch"],
         "ERR unknown access type 'touch', expected one of: VIEW, EDIT, EXECUTE, REFERENCE"),
        (["TRACK", SessionIDs.any, "", "code", "view"], "ERR path must not be empty"),
        (["TRACK", SessionIDs.any, "/a\u{0}b", "code", "view"], "ERR path must be valid UTF-8 without NUL bytes"),
        (["TRACK", SessionIDs.any, "a\n## Fake heading", "code", "view"], "ERR path must not contain control characters"),
        (["TRACK", SessionIDs.any, "a\u{1B}[31m", "code", "view"], "ERR path must not contain control characters"),
        (["TRACK", SessionIDs.any, String(repeating: "a", count: 1025), "code", "view"], "ERR path is longer than 1024 bytes"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "SIZE", "-1"], "ERR SIZE is out of range, must be between 0 and 9007199254740992"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "TOKENS", "99999999999999999999"], "ERR value is not an integer or out of range"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "AT", "-1"], "ERR AT is out of range, must be between 0 and 253402300799999"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "AT", "253402300800000"], "ERR AT is out of range, must be between 0 and 253402300799999"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "CONTENT"], "ERR syntax error"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "EXTRA"], "ERR syntax error"),
        (["TRACK", "not-a-session", "/a", "code", "view"], "NOSESSION no such session"),
        (["PRIORITIZE", SessionIDs.any, "-3"], "ERR budget is out of range, must be between 0 and 9007199254740992"),
        (["PRIORITIZE", SessionIDs.any, "100", "STRATEGY", "best"], "ERR unknown strategy 'best', expected one of: OPTIMAL, DENSITY, GREEDY"),
        (["PRIORITIZE", SessionIDs.any, "100", "RESERVE"], "ERR syntax error"),
        (["TOKENS.ESTIMATE", "-1", "code"], "ERR bytes is out of range, must be between 0 and 9007199254740992"),
        (["TOKENS", "x", "ENCODING", "gpt2"], "ERR unknown encoding 'gpt2', expected one of: o200k_base, cl100k_base"),
        (["METRICS", SessionIDs.any, "FORMAT", "xml"], "ERR unknown format 'xml', expected one of: MARKDOWN, JSON, HTML"),
        (["AGENT.CREATE", "bad name"], "ERR invalid agent name, use 1 to 64 letters, digits, '.', '_' or '-'"),
        (["AGENT.CREATE", "default"], "ERR agent name 'default' is reserved"),
        (["AGENT.REVOKE", "prk_pastedTokenHere"], "ERR agent names may not start with 'prk_', the token prefix"),
        (["AGENT.CREATE", "bot", "ROLE", "root"], "ERR unknown role 'root', expected one of: admin, agent, reader"),
        // An option given twice, in any case, with or without another between: which one the
        // client meant is unknown, so neither is taken (Redis: SET k v EX 1 EX 2).
        (["TRACK", SessionIDs.any, "/a", "code", "view", "TOKENS", "5", "TOKENS", "7"], "ERR syntax error"),
        (["TRACK", SessionIDs.any, "/a", "code", "view", "MODIFIED", "AT", "1", "modified"], "ERR syntax error"),
        (["PRIORITIZE", SessionIDs.any, "100", "STRATEGY", "greedy", "DRYRUN", "strategy", "optimal"], "ERR syntax error"),
        (["PRIORITIZE", SessionIDs.any, "100", "DRYRUN", "DRYRUN"], "ERR syntax error"),
        (["SESSION.CREATE", "LABEL", "a", "BUDGET", "5", "LABEL", "b"], "ERR syntax error"),
        (["SESSION.LIST", "LIMIT", "1", "LIMIT", "2"], "ERR syntax error"),
        (["TOP", SessionIDs.any, "LIMIT", "1", "LIMIT", "2"], "ERR syntax error"),
        (["IMPORTANCE", SessionIDs.any, "/a", "AT", "1", "AT", "2"], "ERR syntax error"),
        (["TOKENS", "x", "ENCODING", "o200k_base", "ENCODING", "cl100k_base"], "ERR syntax error"),
        (["TOKENS.ESTIMATE", "10", "code", "PATH", "a", "PATH", "b"], "ERR syntax error"),
        (["LINK", SessionIDs.any, "/a", "/b", "WEIGHT", "1", "WEIGHT", "2"], "ERR syntax error"),
        (["METRICS", SessionIDs.any, "FORMAT", "json", "FORMAT", "html"], "ERR syntax error"),
        (["AGENT.CREATE", "bot", "ROLE", "agent", "ROLE", "admin"], "ERR syntax error"),
    ]

    /// Every option of a command may be given once each, all together.
    @Test func everyOptionOnceIsAccepted() throws {
        let commands: [[String]] = [
            ["TRACK", SessionIDs.any, "/a", "code", "view", "SIZE", "1", "TOKENS", "2", "CONTENT", "x", "MODIFIED", "AT", "3"],
            ["PRIORITIZE", SessionIDs.any, "100", "STRATEGY", "greedy", "RESERVE", "1", "PROMPT", "p", "LIMIT", "2",
             "AT", "3", "DRYRUN", "RELATED", "0"],
            ["SESSION.CREATE", "BUDGET", "1", "LABEL", "l", "HALFLIFE", "60", "ENCODING", "cl100k_base", "PARENT", SessionIDs.any],
        ]
        for words in commands {
            let request = RESPRequest(arguments: words.map { ByteBuffer(string: $0) })
            guard case .found(let declaration, let arguments) = CommandTable.standard.lookUp(request) else {
                Issue.record("lookup failed for \(words)")
                continue
            }
            var reader = ArgumentReader(arguments)
            _ = try declaration.parse(&reader)
        }
    }

    @Test(arguments: errors)
    func rejectsWithDocumentedError(words: [String], message: String) {
        let request = RESPRequest(arguments: words.map { ByteBuffer(string: $0) })
        guard case .found(let declaration, let arguments) = CommandTable.standard.lookUp(request) else {
            Issue.record("lookup failed for \(words)")
            return
        }
        var reader = ArgumentReader(arguments)
        #expect(throws: CommandError.self) { try declaration.parse(&reader) }
        reader = ArgumentReader(arguments)
        do {
            _ = try declaration.parse(&reader)
        } catch {
            #expect(error.description == message, "\(words)")
        }
    }

    @Test func invalidUTF8PathIsRejected() {
        let request = RESPRequest(arguments: [
            ByteBuffer(string: "TRACK"), ByteBuffer(string: SessionIDs.any), ByteBuffer(bytes: [0x2f, 0xc3, 0x28]),
            ByteBuffer(string: "code"), ByteBuffer(string: "view"),
        ])
        guard case .found(let declaration, let arguments) = CommandTable.standard.lookUp(request) else { return }
        var reader = ArgumentReader(arguments)
        #expect(throws: CommandError("path must be valid UTF-8 without NUL bytes")) { try declaration.parse(&reader) }
    }

    @Test func sqlTextIsJustText() throws {
        let path = "'; DROP TABLE prioritizer.access_logs; --"
        #expect(try parse("TRACK", id, path, "code", "view") == .track(TrackRequest(session: sessionID, path: path, type: .code, access: .view)))
    }
}

@Suite("Service commands through the dispatcher")
struct ServiceCommandTests {
    @Test func sessionLifecycleAndReplyShapes() async {
        var harness = await DispatchHarness.authenticated("agent-token")
        let id = await harness.newSession()
        #expect(SessionID(id) != nil)
        #expect(await harness.run("TRACK", id, "/a.swift", "code", "edit", "TOKENS", "100") == .integer(1))
        #expect(await harness.run("TRACK", id, "/a.swift", "code", "view") == .integer(2))
        #expect(await harness.run("TRACK", id, "/b.md", "documentation", "view", "SIZE", "400") == .integer(1))
        #expect(await harness.run("PRIORITIZE", id, "150") == .array([
            .array([.bulkString("/a.swift"), .double(4), .integer(100)]),
        ]))
        #expect(await harness.run("IMPORTANCE", id, "/b.md") == .double(1))
        #expect(await harness.run("IMPORTANCE", id, "/never") == .null)
        guard case .array(let top) = await harness.run("TOP", id, "LIMIT", "1") else { return }
        #expect(top.count == 1)
        guard case .map(let info) = await harness.run("SESSION.GET", id) else { return }
        #expect(info.first { $0.key == .bulkString("resources") }?.value == .integer(2))
        #expect(info.first { $0.key == .bulkString("closed") }?.value == .integer(0))
        #expect(await harness.run("SESSION.LIST") == .array([.bulkString(id)]))
        guard case .bulkString(let report) = await harness.run("METRICS", id) else { return }
        #expect(String(buffer: report).hasPrefix("# Session Resource Metrics"))
        #expect(await harness.run("SESSION.CLOSE", id) == .ok)
        #expect(errorText(await harness.run("TRACK", id, "/a.swift", "code", "view")) == "ERR session is closed")
        #expect(await harness.run("TOKENS.ESTIMATE", "400", "code") == .integer(100))
    }

    @Test func anotherOrganizationsSessionIsIndistinguishableFromUnknown() async {
        var acme = await DispatchHarness.authenticated("admin-token")
        let id = await acme.newSession()
        var globex = DispatchHarness(backend: acme.backend)
        #expect(await globex.run("AUTH", "globex-token") == .ok)
        for words in [["SESSION.GET", id], ["SESSION.CLOSE", id], ["TRACK", id, "/a", "code", "view"], ["PRIORITIZE", id, "10"],
                      ["IMPORTANCE", id, "/a"], ["TOP", id], ["METRICS", id], ["SESSION.CREATE", "PARENT", id]] {
            #expect(errorText(await globex.run(words)) == "NOSESSION no such session", "\(words)")
        }
        #expect(await globex.run("SESSION.LIST") == .array([]))
    }
}

/// Errors quote a client's word in at most 128 bytes, however long the word.
@Suite struct ErrorQuotingTests {
    /// A megabyte of invalid UTF-8 as a resource type: each byte would have become a three-byte
    /// U+FFFD in the reply (3 MB). One letter and 100,000 combining marks as a command name: a
    /// single character, which `String.prefix(128)` quoted whole (200 KB).
    @Test func longWordsAreClippedInErrors() async {
        var harness = await DispatchHarness.authenticated()
        let session = SessionIDs.any
        let invalid = RESPRequest(arguments: [
            ByteBuffer(string: "TRACK"), ByteBuffer(string: session), ByteBuffer(string: "a.swift"),
            ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 1 << 20)), ByteBuffer(string: "view"),
        ])
        let typeError = await harness.outcome(invalid).reply
        #expect(errorText(typeError)?.hasPrefix("ERR unknown resource type '") == true)
        #expect((errorText(typeError)?.utf8.count ?? .max) < 1_000)
        let marks = "a" + String(repeating: "\u{301}", count: 100_000)
        let unknown = await harness.run(marks, "x")
        #expect(errorText(unknown)?.utf8.starts(with: "ERR unknown command 'a".utf8) == true)
        #expect((errorText(unknown)?.utf8.count ?? .max) < 1_000)
    }
}
