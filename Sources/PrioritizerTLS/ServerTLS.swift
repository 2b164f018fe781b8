import NIOCore
import NIOSSL
import PrioritizerServer

/// TLS on the listening port: the PEM files of `prioritizer serve --tls-cert/--tls-key`.
///
/// Every connection on the port is TLS (there is no plain-text fallback on the same port, so a
/// client that forgot `--tls` fails its handshake instead of sending a token in clear text). TLS
/// 1.2 is the oldest version accepted, as Redis's default `tls-protocols`.
public struct ServerTLS: ConnectionSecurity {
    public let certificateChainPath: String
    public let privateKeyPath: String
    private let context: NIOSSLContext

    /// Reads both files once; the errors name the file that could not be used.
    ///
    /// - Parameters:
    ///   - certificateChainPath: the server's certificate, then any intermediates, in PEM.
    ///   - privateKeyPath: the certificate's private key in PEM (unencrypted).
    public init(certificateChainPath: String, privateKeyPath: String) throws {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw ServerTLSError("cannot read a PEM certificate from \(certificateChainPath): \(error)")
        }
        guard !chain.isEmpty else { throw ServerTLSError("no certificate in \(certificateChainPath)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw ServerTLSError("cannot read a PEM private key from \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ServerTLSError("\(privateKeyPath) is not the key of \(certificateChainPath): \(error)")
        }
    }

    /// A peer that does not speak TLS fails the handshake and is closed by the handler.
    public func secure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
    }
}

public struct ServerTLSError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
