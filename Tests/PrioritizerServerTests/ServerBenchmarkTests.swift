import Foundation
@testable import PrioritizerStore
import Testing

/// redis-benchmark against the server with the in-memory backend: the cost of the codec, the
/// dispatcher and the ordered reply path alone, without PostgreSQL. Opt-in (it takes seconds):
/// `PRIORITIZER_BENCH=1 swift test --filter ServerBenchmarkTests`.
@Suite(
    "redis-benchmark against the in-memory server",
    .enabled(if: ProcessInfo.processInfo.environment["PRIORITIZER_BENCH"] != nil
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-benchmark")))
struct ServerBenchmarkTests {
    @Test func pingAndTrackThroughput() async throws {
        try await withTestServer { port, _, _ in
            let client = try await RawConnection.connect(port: port)
            try await client.send("AUTH agent-token\r\nSESSION.CREATE\r\n")
            let created = try await client.receive(count: 5 + 5 + 36 + 2)
            let session = created.components(separatedBy: "\r\n")[2]
            await client.close()
            let common = ["-p", "\(port)", "-a", "agent-token", "-c", "50", "-P", "32", "-n", "200000", "-q", "--csv"]
            let ping = try await Self.benchmark(common + ["PING"])
            let track = try await Self.benchmark(common + ["-r", "10000", "TRACK", session, "/src/__rand_int__.swift", "code", "view"])
            print("redis-benchmark in-memory server, 50 clients, pipeline 32:\n\(ping)\(track)")
            #expect(ping.contains("PING"))
            #expect(track.contains("TRACK"))
        }
    }

    static func benchmark(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try ChildProcess.run("/usr/bin/redis-benchmark", arguments, separateErrors: true).output
                })
            }.start()
        }
    }
}
