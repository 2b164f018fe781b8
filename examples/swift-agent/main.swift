// A coding agent's side of Prioritizer, on the Swift client `PrioritizerClient`.
//
// Tracks a simulated editing session, then prepares a context for a prompt within a token budget
// as the seed's prepareContext does (prompt tokens and overhead come off the budget) and prints
// the chosen files.
//
//     swift run swift-agent --port 7420 --token "$(cat .prioritizer/admin-token)"
//
// The token may also come from PRIORITIZER_TOKEN; host and port from PRIORITIZER_HOST and
// PRIORITIZER_PORT.
import Foundation
import PrioritizerClient

/// The seed's reserve for metadata and formatting.
let overheadTokens = 500

struct Options {
    var host = ProcessInfo.processInfo.environment["PRIORITIZER_HOST"] ?? "127.0.0.1"
    var port = Int(ProcessInfo.processInfo.environment["PRIORITIZER_PORT"] ?? "") ?? 7420
    var token = ProcessInfo.processInfo.environment["PRIORITIZER_TOKEN"]
    var budget = 8_000

    init(_ arguments: ArraySlice<String>) throws {
        var words = arguments
        while let flag = words.popFirst() {
            guard let value = words.popFirst() else { throw UsageError("\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port": port = try Self.number(value, flag)
            case "--token": token = value
            case "--budget": budget = try Self.number(value, flag)
            default: throw UsageError("unknown option \(flag)")
            }
        }
    }

    static func number(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text) else { throw UsageError("\(flag) needs a number") }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One step of the simulated session.
struct Access {
    let path: String
    let type: PrioritizerClient.ResourceType
    let access: PrioritizerClient.AccessType
    var tokens: Int? = nil
    var size: Int? = nil
    var content: String? = nil
    var modified = false
}

/// What an agent refactoring a parser does in a morning.
let simulatedSession: [Access] = [
    Access(path: "src/parser.swift", type: .code, access: .view, tokens: 1_800),
    Access(path: "src/lexer.swift", type: .code, access: .view, tokens: 1_100),
    Access(path: "docs/grammar.md", type: .documentation, access: .reference, size: 12_000),
    Access(path: "src/parser.swift", type: .code, access: .edit, modified: true),
    Access(path: "Tests/ParserTests.swift", type: .code, access: .execute, tokens: 900),
    Access(path: "src/parser.swift", type: .code, access: .edit, modified: true),
    Access(path: "src/ast.swift", type: .code, access: .view, content: "indirect enum Expression { case number(Double) }\n"),
    Access(path: "data/fixtures.json", type: .data, access: .view, size: 40_000),
    Access(path: "papers/pratt-1973.pdf", type: .research, access: .reference, tokens: 30_000),
    Access(path: "Tests/ParserTests.swift", type: .code, access: .execute),
]

/// The seed's prepareContext over the seed-shaped runner: count the prompt, reserve the overhead,
/// prioritize in what is left.
func prepareContext(
    _ runner: ResourcePrioritizationRunner, client: PrioritizerClient, session: String, prompt: String, tokenBudget: Int
) async throws -> (promptTokens: Int, resourceTokens: Int, chosen: [ContextEntry]) {
    let promptTokens = try await runner.countTokens(prompt)
    let resourceTokens = tokenBudget - promptTokens - overheadTokens
    // The runner's prioritizeResourcesForContext answers paths only; the client's prioritize
    // answers the same selection with importance and tokens, which this example prints.
    let chosen = try await client.prioritize(session: session, budget: resourceTokens)
    return (promptTokens, resourceTokens, chosen)
}

func run() async throws {
    let options = try Options(CommandLine.arguments.dropFirst())
    guard let token = options.token else { throw UsageError("a token is needed: --token TOKEN or PRIORITIZER_TOKEN") }
    let client = try await PrioritizerClient.connect(
        host: options.host, port: options.port, token: token, clientName: "swift-agent")
    let runner = ResourcePrioritizationRunner(client: client)
    let session = try await runner.createSession(budget: options.budget, label: "swift agent: refactor parser")
    print("session \(session)")

    for step in simulatedSession {
        let count = try await client.track(
            session: session, path: step.path, type: step.type, access: step.access, size: step.size,
            tokens: step.tokens, content: step.content, modified: step.modified)
        let access = step.access.rawValue.lowercased()
        print("tracked \(access.padding(toLength: 9, withPad: " ", startingAt: 0)) \(step.path) (access \(count))")
    }

    let prompt = "Refactor the parser to a Pratt parser and keep the tests green."
    let context = try await prepareContext(
        runner, client: client, session: session, prompt: prompt, tokenBudget: options.budget)
    print("prompt \(context.promptTokens) tokens, overhead \(overheadTokens), \(context.resourceTokens) tokens for resources")
    for entry in context.chosen {
        print("context \(entry.path) importance=\(String(format: "%.3f", entry.importance)) tokens=\(entry.tokens)")
    }
    let used = context.chosen.reduce(0) { $0 + $1.tokens }
    print("chosen \(context.chosen.count) files, \(used) of \(context.resourceTokens) tokens")
    try await client.sessionClose(session)
    try await client.close()
}

do {
    try await run()
} catch {
    FileHandle.standardError.write(Data("swift-agent: \(error)\n".utf8))
    exit(1)
}
