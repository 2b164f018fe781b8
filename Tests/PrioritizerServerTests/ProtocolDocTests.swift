import Foundation
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

    /// The usage line of each command, as the table declares it, appears in its section.
    @Test func everySectionShowsTheDeclaredSyntax() throws {
        let text = try RepositoryFiles.text("docs/protocol.md")
        for declaration in CommandTable.standard.declarations + CommandTable.standard.declarations.flatMap(\.subcommands) {
            #expect(text.contains(declaration.syntax), "docs/protocol.md lacks the syntax '\(declaration.syntax)'")
        }
    }
}
