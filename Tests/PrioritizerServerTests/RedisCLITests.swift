import Foundation
@testable import PrioritizerStore
import Testing

/// redis-cli (Debian's `redis-tools`) against the server: SPEC promises that Redis's own tools
/// work unchanged. Skipped when redis-cli is not installed.
private let redisCLI = "/usr/bin/redis-cli"

@Suite("redis-cli against the server", .enabled(if: FileManager.default.isExecutableFile(atPath: redisCLI)))
struct RedisCLITests {

    /// Runs redis-cli with `arguments` and returns its output (standard error included), through
    /// ChildProcess rather than Foundation's Process (see ChildProcess), on a thread of its own.
    static func run(_ arguments: [String], input: String? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, Error>) in
            Thread { continuation.resume(with: Result { try ChildProcess.run(redisCLI, arguments, input: input).output }) }.start()
        }
    }

    @Test func pingWithoutAuthentication() async throws {
        try await withTestServer { port, _, _ in
            let pong = try await Self.run(["-p", "\(port)", "PING"])
            #expect(pong == "PONG\n")
            let refused = try await Self.run(["-p", "\(port)", "WHOAMI"])
            #expect(refused.trimmingCharacters(in: .newlines) == "NOAUTH Authentication required.")
        }
    }

    @Test func authenticatedSessionInRESP2AndRESP3() async throws {
        try await withTestServer { port, _, _ in
            let auth = ["-p", "\(port)", "--no-auth-warning", "-a", "agent-token"]
            #expect(try await Self.run(auth + ["WHOAMI"]) == "org\nacme\nagent\nworker\nrole\nagent\n")
            let id = try await Self.run(auth + ["SESSION.CREATE", "BUDGET", "8000"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 36)
            #expect(try await Self.run(auth + ["TRACK", id, "/src/main.swift", "code", "edit", "TOKENS", "120"]) == "1\n")
            // RESP2: importance as a bulk decimal; RESP3 (-3): a double.
            #expect(try await Self.run(auth + ["PRIORITIZE", id, "1000"]) == "/src/main.swift\n3\n120\n")
            #expect(try await Self.run(["-3"] + auth + ["IMPORTANCE", id, "/src/main.swift"]) == "3\n")
            #expect(try await Self.run(["--user", "worker", "--pass", "agent-token", "--no-auth-warning", "-p", "\(port)", "TOKENS", "a b"]) == "2\n")
            // Commands piped on standard input, as scripts do.
            let piped = try await Self.run(auth, input: "PING\nECHO \"two words\"\nTOP \(id) LIMIT 1\n")
            #expect(piped == "PONG\ntwo words\n/src/main.swift\n3\n120\n")
        }
    }
}
