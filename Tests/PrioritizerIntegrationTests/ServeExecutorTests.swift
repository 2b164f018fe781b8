import Foundation
import PrioritizerClient
import PrioritizerStore
import TestSupport
import Testing

/// `prioritizer serve` installs the event loops as Swift concurrency's executor (the runtime
/// refuses a second hook, so this checks it really took), or keeps the runtime's threads with
/// `--runtime-thread-pool`; either way concurrent clients' TRACKs commit and PRIORITIZE answers.
@Suite("serve's concurrency executor") struct ServeExecutorTests {
    @Test(arguments: [
        (arguments: [String](), logged: "executor=event loops"),
        (arguments: ["--runtime-thread-pool"], logged: "executor=runtime thread pool"),
    ])
    func servesOnEitherExecutor(arguments: [String], logged: String) async throws {
        try await withTestDatabase { database in
            let store = PostgresResourceService(conninfo: database.conninfo, connections: 1)
            defer { Task { await store.pool.close() } }
            let (_, acme) = try await store.createOrganization(name: "acme")
            let server = try await ServerProcess.start(conninfo: database.conninfo, arguments: ["--workers", "2"] + arguments)
            #expect(try await server.waitForOutput(containing: logged), "\(server.output)")

            let admin = try await PrioritizerClient.connect(host: "127.0.0.1", port: server.port, token: acme.token)
            let sessions = [try await admin.createSession(), try await admin.createSession()]
            // Four connections at once, each tracking ten paths in each session.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<4 {
                    group.addTask {
                        let client = try await PrioritizerClient.connect(host: "127.0.0.1", port: server.port, token: acme.token)
                        for path in 0..<10 {
                            for session in sessions {
                                try await client.track(
                                    session: session, path: "src/c\(connection)/f\(path).swift", type: .code, access: .view,
                                    tokens: 100)
                            }
                        }
                        try await client.close()
                    }
                }
                try await group.waitForAll()
            }
            for session in sessions {
                #expect(try await admin.sessionGet(session).accesses == 40)
                let chosen = try await admin.prioritize(session: session, budget: 1_000, dryRun: true)
                #expect(chosen.count == 10 && chosen.allSatisfy { $0.tokens == 100 }, "\(chosen)")
            }
            try await admin.close()
            await server.stop()
        }
    }

    /// The binary's `malloc` is jemalloc's (Sources/prioritizer/Allocator.swift): linked, and
    /// bound ahead of glibc's, as the server itself checks and logs at start-up. The linker drops
    /// a library the binary names no symbol of, and nothing else would show it gone but a slower
    /// server.
    @Test func servesOnJemalloc() async throws {
        #if os(Linux)
        try await withTestDatabase { database in
            let server = try await ServerProcess.start(conninfo: database.conninfo)
            try await server.waitForOutput(containing: "memory allocator")
            #expect(server.output.contains("malloc=jemalloc 5."), "\(server.output)")
            await server.stop()
        }
        #endif
    }
}
