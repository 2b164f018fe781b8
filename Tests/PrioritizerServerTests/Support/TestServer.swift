import NIOCore
@testable import PrioritizerServer

/// Runs `body` against a real server on an ephemeral loopback port, backed by the in-memory
/// test double, and shuts it down afterwards.
func withTestServer(
    _ configuration: ServerConfiguration = ServerConfiguration(port: 0),
    _ body: (_ port: Int, _ server: PrioritizerServer, _ backend: InMemoryBackend) async throws -> Void
) async throws {
    let backend = InMemoryBackend()
    let server = PrioritizerServer(configuration: configuration, services: backend.services)
    let address = try await server.start()
    do {
        try await body(address.port!, server, backend)
    } catch {
        try await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
    try await server.shutdown(gracePeriod: .seconds(1))
}
