import Foundation
import PrioritizerClient
@testable import PrioritizerStore
import Testing
import TestSupport

/// `prioritizer replay`, run as a user runs it (the built binary), on the editor example: exact
/// recall for the server and the reference scorers, against a live server and on its own
/// throwaway embedded server.
@Suite("prioritizer replay") struct ReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let example = root.appending(path: "examples/editor-replay/editor-session.jsonl").path

    static var binary: URL { BuiltExecutable.url("prioritizer") }

    /// Runs the binary to completion (bounded: killed after `timeout`), answering status, stdout
    /// and stderr. On a thread of its own: on the concurrency pool (two threads on two cores) two
    /// replays waiting on an in-process server starved that server, and all hung.
    static func run(_ arguments: [String], timeout: Duration = .seconds(240)) async throws -> (Int32, String, String) {
        let outcome = try await offloaded {
            try ChildProcess.run(binary.path, arguments, separateErrors: true, timeout: timeout)
        }
        return (outcome.status, outcome.output, outcome.errors)
    }

    /// recall[scorer][budget][part] from `--json`.
    static func recall(_ json: String) throws -> [String: [String: [String: Double]]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(object["recall"] as? [String: [String: [String: Double]]])
    }

    static func expectExampleFigures(_ recall: [String: [String: [String: Double]]], serverRelated: Bool) {
        let server = recall["server"]?["4000"]
        #expect(abs((server?["all"] ?? 0) - (serverRelated ? 0.75 : 5.0 / 12)) < 1e-9)
        #expect(abs((server?["first_half"] ?? 0) - 0.5) < 1e-9)
        #expect(abs((server?["second_half"] ?? 0) - (serverRelated ? 1.0 : 1.0 / 3)) < 1e-9)
        for reference in ["recency", "seed"] {
            #expect(abs((recall[reference]?["4000"]?["all"] ?? 0) - 5.0 / 12) < 1e-9)
            #expect(abs((recall[reference]?["4000"]?["second_half"] ?? 0) - 1.0 / 3) < 1e-9)
        }
    }

    @Test func replayThroughALiveServer() async throws {
        try await LiveServer.with { live in
            let address = "127.0.0.1:\(live.port)"
            let (status, stdout, stderr) = try await Self.run(
                ["replay", Self.example, "--budget", "4000", "--server", address, "--token", live.acme.token, "--json"])
            #expect(status == 0, "\(stderr)")
            Self.expectExampleFigures(try Self.recall(stdout), serverRelated: true)
            // The sessions were made in the token's organization, labelled as in the file.
            let client = try await live.client(live.acme.token)
            let labels = try await client.sessionList().asyncMap { try await client.sessionGet($0).label }
            #expect(Set(labels.compactMap { $0 }) == ["monday", "tuesday"])

            // RELATED 0 on a server that has now learned twice as much: still only the session.
            let (again, plain, _) = try await Self.run(
                ["replay", Self.example, "--budget", "4000", "--server", address, "--token", live.acme.token, "--json",
                 "--no-related"])
            #expect(again == 0)
            Self.expectExampleFigures(try Self.recall(plain), serverRelated: false)
            try await client.close()
        }
    }

    /// The example as its README runs it: no --server, a throwaway embedded server.
    @Test func editorExampleOnAThrowawayServer() async throws {
        let (status, stdout, stderr) = try await Self.run(["replay", Self.example, "--budget", "4000"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("Replayed 2 sessions, 2 expectations."))
        #expect(stdout.contains("| server (PRIORITIZE … DRYRUN) | 75.0% | 50.0% | 100.0% |"))
        #expect(stdout.contains("| recency | 41.7% | 50.0% | 33.3% |"))
        let readme = try String(contentsOf: Self.root.appending(path: "examples/editor-replay/README.md"), encoding: .utf8)
        for line in stdout.split(separator: "\n") where line.hasPrefix("|") {
            #expect(readme.contains(line), "README shows \(line)")
        }
    }

    /// Issue 7's editor integration: the events streamed into sessions, then each session's report.
    @Test func replayPrintsEachSessionsReport() async throws {
        try await LiveServer.with { live in
            let (status, stdout, stderr) = try await Self.run(
                ["replay", Self.example, "--budget", "4000", "--server", "127.0.0.1:\(live.port)",
                 "--token", live.acme.token, "--report"])
            #expect(status == 0, "\(stderr)")
            #expect(stdout.contains("Replayed 2 sessions, 2 expectations."))
            let monday = try #require(stdout.range(of: "## Session monday"))
            let tuesday = try #require(stdout.range(of: "## Session tuesday"))
            #expect(monday.upperBound < tuesday.lowerBound)
            #expect(stdout.components(separatedBy: "# Session Resource Metrics").count == 3)
            // Monday's report lists what it tracked, with its tokens known.
            #expect(stdout[monday.upperBound..<tuesday.lowerBound].contains("src/parser.rs"))
        }
    }

    @Test func replayRefusesBadArguments() async throws {
        let (missing, _, stderr) = try await Self.run(["replay", "/nonexistent.jsonl", "--server", "127.0.0.1:1", "--token", "t"])
        #expect(missing != 0)
        #expect(stderr.contains("cannot read"))
        let (noToken, _, _) = try await Self.run(["replay", Self.example, "--server", "127.0.0.1:1"])
        #expect(noToken != 0)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
