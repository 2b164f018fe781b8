import Foundation
import TestSupport
import NIOSSL
import PrioritizerClient
import PrioritizerTLS
import Testing

/// A self-signed certificate for `localhost` and `127.0.0.1`, made by the openssl CLI in a
/// folder of its own.
struct SelfSignedCertificate {
    let directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }
    func serverTLS() throws -> ServerTLS { try ServerTLS(certificateChainPath: certificatePath, privateKeyPath: keyPath) }

    static func make() async throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prioritizer-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = SelfSignedCertificate(directory: directory)
        let output = try await runTool("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", made.keyPath, "-out", made.certificatePath,
        ])
        guard output.status == 0 else { throw RawSocketError(description: "openssl: \(output.stderr)") }
        return made
    }

    /// A client configuration that trusts this certificate alone.
    func clientConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificatePath))
        return configuration
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// `--tls-cert`/`--tls-key`: the same commands over TLS from the Swift client, redis-cli and
/// redis-py; clients that do not speak TLS (or do not trust the certificate) fail cleanly.
@Suite("TLS") struct TLSTests {
    /// Runs `body` against a server with TLS on its port.
    func withTLSServer(_ body: (LiveServer, SelfSignedCertificate) async throws -> Void) async throws {
        let certificate = try await SelfSignedCertificate.make()
        defer { certificate.remove() }
        try await LiveServer.with(tls: try certificate.serverTLS()) { live in try await body(live, certificate) }
    }

    func tlsClient(_ live: LiveServer, _ certificate: SelfSignedCertificate, host: String = "127.0.0.1") async throws -> PrioritizerClient {
        try await PrioritizerClient.connect(
            host: host, port: live.port, token: live.acme.token, tls: try certificate.clientConfiguration())
    }

    @Test func swiftClientTracksOverTLS() async throws {
        try await withTLSServer { live, certificate in
            // By address (checked against the certificate's IP entry) and by name (SNI, DNS entry).
            for host in ["127.0.0.1", "localhost"] {
                let client = try await tlsClient(live, certificate, host: host)
                let session = try await client.createSession(budget: 1000)
                #expect(try await client.track(session: session, path: "src/a.swift", type: .code, access: .edit, tokens: 10) == 1)
                #expect(try await client.track(session: session, path: "src/a.swift", type: .code, access: .view) == 2)
                try await client.close()
            }
            #expect(try await live.count("SELECT count(*) FROM prioritizer.access_logs") == 4)
        }
    }

    @Test func redisCliWithInsecureAndWithCACert() async throws {
        try await withTLSServer { live, certificate in
            let base = ["-h", "127.0.0.1", "-p", String(live.port), "--tls", "--no-auth-warning", "-a", live.acme.token]
            for trust in [["--insecure"], ["--cacert", certificate.certificatePath]] {
                let created = try await redisCli(base + trust + ["SESSION.CREATE", "BUDGET", "500"])
                #expect(created.status == 0 && created.lines.count == 1, "\(created)")
                let session = try #require(created.lines.first)
                #expect(try await redisCli(base + trust + ["TRACK", session, "README.md", "DOCUMENTATION", "VIEW"]).lines == ["1"])
                #expect(try await redisCli(base + trust + ["-3", "PING"]).lines == ["PONG"])
            }
            // Without trust in the certificate, redis-cli refuses the connection.
            let untrusted = try await redisCli(base + ["PING"])
            #expect(!untrusted.lines.contains("PONG"), "\(untrusted)")
        }
    }

    @Test func redisPyWithSSL() async throws {
        try await withTLSServer { live, certificate in
            let script = """
                import sys, redis
                port, token, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
                for kwargs in ({"ssl_cert_reqs": None}, {"ssl_ca_certs": ca}):
                    r = redis.Redis(host="127.0.0.1", port=port, password=token, ssl=True, **kwargs)
                    assert r.ping()
                    session = r.execute_command("SESSION.CREATE", "BUDGET", "500").decode()
                    assert r.execute_command("TRACK", session, "src/x.py", "CODE", "EDIT", "TOKENS", "7") == 1
                    entries = r.execute_command("PRIORITIZE", session, "100")
                    assert entries[0][0] == b"src/x.py", entries
                    r.close()
                print("ok")
                """
            let output = try await runTool(
                "python3", ["-c", script, String(live.port), live.acme.token, certificate.certificatePath], timeoutSeconds: 60)
            #expect(output.status == 0 && output.lines == ["ok"], "\(output)")
        }
    }

    @Test func plainClientsFailCleanlyAndTLSClientsCarryOn() async throws {
        try await withTLSServer { live, certificate in
            // A plain RESP request is not a TLS ClientHello: the handshake fails and the
            // connection is closed without a RESP reply, and nothing reaches the command layer.
            for request in ["PING\r\n", "AUTH \(live.acme.token)\r\n", String(repeating: "*1\r\n$4\r\nPING\r\n", count: 100)] {
                let raw = try RawSocket(port: live.port)
                try raw.write(request)
                let answer = try await offloaded { raw.readToEnd() }
                #expect(!String(decoding: answer, as: UTF8.self).contains("PONG"))
                #expect(answer.first != UInt8(ascii: "+") && answer.first != UInt8(ascii: "-"))
            }
            // The plain Swift client fails too, as does a TLS client that does not trust the certificate.
            await #expect(throws: (any Error).self) {
                _ = try await PrioritizerClient.connect(host: "127.0.0.1", port: live.port, token: live.acme.token)
            }
            await #expect(throws: (any Error).self) {
                _ = try await PrioritizerClient.connect(
                    host: "127.0.0.1", port: live.port, token: live.acme.token, tls: .makeClientConfiguration())
            }
            let client = try await tlsClient(live, certificate)
            #expect(try await client.call(["PING"]) == .simpleString("PONG"))
            try await client.close()
        }
    }

    /// What `serve` fails with, before starting anything, when a file cannot be used: the file
    /// is named.
    @Test func unusableFilesAreNamed() async throws {
        let certificate = try await SelfSignedCertificate.make()
        defer { certificate.remove() }
        let other = try await SelfSignedCertificate.make()
        defer { other.remove() }
        let cases: [(certificate: String, key: String, named: String)] = [
            ("/nonexistent/cert.pem", certificate.keyPath, "/nonexistent/cert.pem"),
            (certificate.certificatePath, "/nonexistent/key.pem", "/nonexistent/key.pem"),
            (certificate.keyPath, certificate.keyPath, certificate.keyPath),  // a key is no certificate
            (certificate.certificatePath, certificate.certificatePath, certificate.certificatePath),  // nor a key
            (certificate.certificatePath, other.keyPath, other.keyPath),  // another certificate's key
        ]
        for (certificatePath, keyPath, named) in cases {
            do {
                _ = try ServerTLS(certificateChainPath: certificatePath, privateKeyPath: keyPath)
                Issue.record("\(certificatePath) with \(keyPath) was accepted")
            } catch let error as ServerTLSError {
                #expect(error.description.contains(named), "\(error)")
            }
        }
    }
}
