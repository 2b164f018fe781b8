import Foundation

/// Files of this repository (docs, examples, docker), for tests that keep them honest.
/// Found from this source file's place in the checkout, so tests work from any directory.
public enum RepositoryFiles {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    public static func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relativePath).path)
    }

    /// The bodies of the fenced code blocks of one language (```sql … ```) in a Markdown text,
    /// each with the nearest heading above it. Lines inside other fenced blocks are not headings.
    public static func fencedBlocks(_ language: String, in markdown: String) -> [(heading: String, body: String)] {
        var blocks: [(heading: String, body: String)] = []
        var heading = ""
        // Inside a fence: its language and the lines so far.
        var open: (language: String, lines: [Substring])?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let block = open {
                if trimmed == "```" {
                    if block.language == language { blocks.append((heading, block.lines.joined(separator: "\n"))) }
                    open = nil
                } else {
                    open?.lines.append(line)
                }
            } else if trimmed.hasPrefix("```") {
                open = (String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), [])
            } else if trimmed.hasPrefix("#") {
                heading = trimmed.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
            }
        }
        return blocks
    }
}
