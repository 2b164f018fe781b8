import CLibPQ
import Foundation

/// A `NOTIFY` that a connection received on a channel it `LISTEN`s to.
public struct PQNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
}

extension PQConnection {
    /// The notifications received since the previous call; when none has arrived yet, waits up to
    /// `timeout` for the first. The wait blocks only this connection's own thread.
    public func notifications(waitingUpTo timeout: Duration) throws(PQError) -> [PQNotification] {
        let handle = try liveHandle()
        let received = try readNotifications(handle)
        guard received.isEmpty else { return received }
        var socket = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard socket.fd >= 0 else { throw lostOrMisuse("the connection has no socket", committing: false) }
        let milliseconds = Int32(min(Double(Int32.max), max(0, (timeout / .milliseconds(1)).rounded(.up))))
        // An interrupted wait (EINTR) reads what arrived so far like a timeout does.
        _ = poll(&socket, 1, milliseconds)
        return try readNotifications(handle)
    }

    /// Reads what the server sent (never blocking: libpq's socket is non-blocking) and takes the
    /// notifications out of it.
    private func readNotifications(_ handle: OpaquePointer) throws(PQError) -> [PQNotification] {
        guard PQconsumeInput(handle) != 0, PQstatus(handle) == CONNECTION_OK else {
            throw lostOrMisuse(Self.trimmedError(PQerrorMessage(handle)), committing: false)
        }
        var received: [PQNotification] = []
        while let notice = PQnotifies(handle) {
            received.append(PQNotification(
                channel: String(cString: notice.pointee.relname), payload: String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return received
    }
}
