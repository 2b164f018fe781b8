import Foundation

/// Where "now" comes from, so tests can set the time (ARCHITECTURE: no scattered clock reads).
public protocol ServerClock: Sendable {
    /// Unix milliseconds.
    func nowMilliseconds() -> Int64
}

public struct SystemClock: ServerClock {
    public init() {}
    public func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
