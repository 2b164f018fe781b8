import Foundation
import NIOCore

/// The open connections, so shutdown can reach each of them.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func insert(_ channel: any Channel) {
        lock.withLock { channels[ObjectIdentifier(channel)] = channel }
    }

    func remove(_ channel: any Channel) {
        _ = lock.withLock { channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var all: [any Channel] { lock.withLock { Array(channels.values) } }
}

/// The listening channel, set once `start()` bound it.
final class ListenerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Channel)?

    var channel: (any Channel)? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
