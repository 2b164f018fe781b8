import NIOCore
@testable import PrioritizerServer

/// Runs requests through a `CommandDispatcher` as a connection would, one at a time, applying
/// each command's connection changes.
struct DispatchHarness {
    let backend: InMemoryBackend
    let dispatcher: CommandDispatcher
    var state = ConnectionState(id: 7)

    /// `sessions`: the session handler, when not `backend` itself.
    init(backend: InMemoryBackend = InMemoryBackend(), sessions: (any SessionCommandHandler)? = nil) {
        self.backend = backend
        var services = backend.services
        if let sessions { services.sessions = sessions }
        self.dispatcher = CommandDispatcher(services: services, statistics: ServerStatistics(), configuration: ServerConfiguration())
    }

    static func authenticated(_ token: String = "admin-token") async -> DispatchHarness {
        var harness = DispatchHarness()
        _ = await harness.run("AUTH", token)
        return harness
    }

    @discardableResult
    mutating func run(_ words: String...) async -> RESPValue {
        await run(words)
    }

    mutating func run(_ words: [String]) async -> RESPValue {
        await outcome(RESPRequest(arguments: words.map { ByteBuffer(string: $0) })).reply
    }

    mutating func outcome(_ request: RESPRequest) async -> CommandOutcome {
        let outcome: CommandOutcome
        switch dispatcher.dispatch(request, state: state) {
        case .immediate(let immediate): outcome = immediate
        case .deferred(_, let operation): outcome = await operation().wait()
        case .track(let track, let identity): outcome = await dispatcher.submitTracks([track], by: identity)[0].wait()
        }
        outcome.update.apply(to: &state)
        return outcome
    }

    /// A new session's id, created as the current identity.
    mutating func newSession() async -> String {
        guard case .bulkString(let id) = await run("SESSION.CREATE") else { return "" }
        return String(buffer: id)
    }
}

/// Parses a request against the standard table, without executing it.
func parse(_ words: String...) throws(CommandError) -> Command {
    try CommandTable.standard.parse(RESPRequest(arguments: words.map { ByteBuffer(string: $0) }))
}

func errorText(_ value: RESPValue) -> String? {
    if case .error(let text) = value { return text }
    return nil
}
