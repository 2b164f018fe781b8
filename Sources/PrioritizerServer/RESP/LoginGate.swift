/// Whether a connection's requests may be as large as `RESPLimits` allows: once its client has
/// logged in, or while a login is in flight (the requests after it wait behind it, and reading
/// stops once `--max-request-bytes` of them are held). Before that, the decoder holds requests
/// to Redis's bounds for clients that have not authenticated (`RESPLimits.beforeLogin`): no
/// command a client may run without logging in needs more, and a client without credentials
/// could otherwise make each of up to `--max-clients` connections hold a 64 MiB bulk.
///
/// Shared by one connection's decoder and `ConnectionHandler`, both on its event loop.
final class LoginGate: @unchecked Sendable {
    var isOpen = false
}
