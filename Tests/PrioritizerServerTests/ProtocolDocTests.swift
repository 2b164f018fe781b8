import Foundation
import NIOCore
import Testing
import TestSupport
@testable import PrioritizerServer

/// docs/protocol.md has a section (`### NAME`, `### NAME SUBCOMMAND`) for every command of the
/// server's command table and every subcommand, and no section for a command the table lacks.
@Suite("docs/protocol.md covers the command table") struct ProtocolDocTests {
    /// The section names the table requires: `SESSION.CREATE`, `CLIENT SETNAME`, ….
    static var tableNames: Set<String> {
        var names: Set<String> = []
        for declaration in CommandTable.standard.declarations {
            names.insert(declaration.name.uppercased())
            for sub in declaration.subcommands {
                names.insert(sub.name.uppercased().replacingOccurrences(of: "|", with: " "))
            }
        }
        return names
    }

    /// Level-3 headings are command sections, and nothing else (lines inside fenced examples,
    /// such as a Markdown report, are not headings).
    static func documentedNames() throws -> [String] {
        var names: [String] = []
        var inFence = false
        for line in try RepositoryFiles.text("docs/protocol.md").split(separator: "\n") {
            if line.hasPrefix("```") { inFence.toggle() }
            if !inFence, line.hasPrefix("### ") { names.append(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) }
        }
        return names
    }

    @Test func everyCommandAndSubcommandHasASection() throws {
        let documented = Set(try Self.documentedNames())
        for name in Self.tableNames.sorted() {
            #expect(documented.contains(name), "docs/protocol.md has no '### \(name)' section")
        }
    }

    @Test func everySectionNamesACommandOfTheTable() throws {
        let names = try Self.documentedNames()
        for name in names {
            #expect(Self.tableNames.contains(name), "docs/protocol.md documents '\(name)', which the command table lacks")
        }
        #expect(Set(names).count == names.count, "a command has two sections")
    }

    /// Every interactive example (`127.0.0.1:7420> …`) in docs/protocol.md and README.md is a
    /// request the command table accepts: split as redis-cli's inline quoting, parsed with its
    /// arguments. (The replies shown were taken from a real server.)
    @Test(arguments: ["docs/protocol.md", "README.md"]) func everyExampleRequestParses(file: String) throws {
        let prompt = "127.0.0.1:7420> "
        let examples = try RepositoryFiles.text(file).split(separator: "\n").filter { $0.hasPrefix(prompt) }
        #expect(!examples.isEmpty)
        for example in examples {
            let line = example.dropFirst(prompt.count)
            let words = try InlineCommandSplitter.split(Array(line.utf8))
            let request = RESPRequest(arguments: words.map { ByteBuffer(bytes: $0) })
            #expect(throws: Never.self, "\(file): \(line)") { try CommandTable.standard.parse(request) }
        }
    }

    /// The usage line of each command, as the table declares it, appears in its section.
    @Test func everySectionShowsTheDeclaredSyntax() throws {
        let text = try RepositoryFiles.text("docs/protocol.md")
        for declaration in CommandTable.standard.declarations + CommandTable.standard.declarations.flatMap(\.subcommands) {
            #expect(text.contains(declaration.syntax), "docs/protocol.md lacks the syntax '\(declaration.syntax)'")
        }
    }
}
