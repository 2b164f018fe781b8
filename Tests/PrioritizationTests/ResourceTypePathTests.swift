import Testing
@testable import Prioritization

@Suite struct ResourceTypePathTests {
    @Test(arguments: [
        ("src/main.swift", ResourceType.code), ("lib/app.TS", .code), ("a/b/c.py", .code), ("Makefile", .code),
        ("docker/Dockerfile", .code), ("x.rs", .code), ("styles/site.scss", .code),
        ("config.yaml", .data), ("data/table.CSV", .data), ("Cargo.toml", .data), ("package.json", .data),
        ("Cargo.lock", .data),
        ("README.md", .documentation), ("notes.txt", .documentation), ("docs/guide.rst", .documentation),
        ("LICENSE", .documentation), ("weird.xyz123", .documentation), ("dir.with.dots/README", .documentation),
        (".gitignore", .documentation), ("C:\\repo\\main.c", .code),
    ])
    func typeFromExtension(path: String, expected: ResourceType) {
        #expect(ResourceType(path: path) == expected)
    }

    @Test func wordsParseInAnyCase() throws {
        #expect(try ResourceType(word: "code") == .code)
        #expect(try AccessType(word: "Edit") == .edit)
        #expect(throws: DomainWordError.self) { try ResourceType(word: "binary") }
        for word in ["code", "CODE", "Code", "cOdE"] { #expect(ResourceType(caseInsensitiveBytes: Array(word.utf8)) == .code) }
        for word in ["cod", "codes", "c0de", "co de", "", "COD\u{C9}", "cod\u{0}"] {
            #expect(ResourceType(caseInsensitiveBytes: Array(word.utf8)) == nil, "\(word)")
        }
        #expect(PackingStrategy(caseInsensitiveBytes: Array("optimal".utf8)) == .optimal)
    }
}
