import NIOCore

/// What secures every accepted connection before the RESP handlers see its bytes: TLS, as
/// `PrioritizerTLS.ServerTLS`. A protocol rather than a TLS type here, so the server module (and
/// the fuzz targets built on it) does not link a TLS library it does not use.
public protocol ConnectionSecurity: Sendable {
    /// Adds handlers at the front of a freshly accepted channel's pipeline (on its event loop).
    func secure(_ channel: any Channel) throws
}
