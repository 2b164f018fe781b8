import Testing
@testable import PrioritizerServer

@Suite("Inline commands, Redis quoting")
struct InlineCommandSplitterTests {
    static let table: [(line: String, words: [String])] = [
        ("PING", ["PING"]),
        ("  PING   a\tb  ", ["PING", "a", "b"]),
        ("", []),
        ("   ", []),
        ("ECHO \"hello world\"", ["ECHO", "hello world"]),
        ("ECHO 'hello world'", ["ECHO", "hello world"]),
        ("ECHO \"a\\nb\\rc\\td\\be\\af\"", ["ECHO", "a\nb\rc\td\u{8}e\u{7}f"]),
        ("ECHO \"\\\\ \\\"\"", ["ECHO", "\\ \""]),
        ("ECHO \"\\x41\\x7a\\x4\"", ["ECHO", "Azx4"]),
        ("ECHO \"\\q\"", ["ECHO", "q"]),
        ("ECHO 'it\\'s'", ["ECHO", "it's"]),
        ("ECHO 'a\\nb'", ["ECHO", "a\\nb"]),
        ("ECHO \"\"", ["ECHO", ""]),
        ("ECHO ''", ["ECHO", ""]),
        ("ECHO a\"b c\"", ["ECHO", "ab c"]),
        ("ECHO \"a\" \"b\"", ["ECHO", "a", "b"]),
        ("TRACK s \"/src/my file.swift\" code view", ["TRACK", "s", "/src/my file.swift", "code", "view"]),
    ]

    @Test(arguments: table)
    func splits(line: String, words: [String]) throws {
        let split = try InlineCommandSplitter.split(Array(line.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(split == words)
    }

    @Test func hexEscapeMakesArbitraryBytes() throws {
        let split = try InlineCommandSplitter.split(Array("ECHO \"\\x00\\xff\"".utf8))
        #expect(split[1] == [0x00, 0xff])
    }

    static let unbalanced = ["\"abc", "'abc", "\"abc\"def", "'abc'def", "ECHO \"a\\\"", "ECHO 'a\\'"]

    @Test(arguments: unbalanced)
    func rejectsUnbalancedQuotes(line: String) {
        #expect(throws: RESPProtocolError("unbalanced quotes in request")) {
            try InlineCommandSplitter.split(Array(line.utf8))
        }
    }
}
