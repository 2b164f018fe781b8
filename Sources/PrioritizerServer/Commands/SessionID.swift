import Foundation

/// A session's id as clients write it: a lower-case UUID (`0f8fad5b-d9cb-469f-a165-70867728950e`).
///
/// Anything else — upper case, braces, missing dashes — names no session, and the server answers
/// it `-NOSESSION no such session` exactly as it answers an unknown or foreign id.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// Accepts only the canonical lower-case form. Decodes the hex digits itself: every session
    /// command parses one, and `UUID(uuidString:)` goes through `sscanf` (4% of a pipelined TRACK's
    /// server time).
    public init?<Bytes: Collection<UInt8>>(canonicalBytes bytes: Bytes) {
        guard bytes.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var high: UInt8? = nil
        var filled = 0
        let ok = withUnsafeMutableBytes(of: &value) { out -> Bool in
            for (offset, byte) in bytes.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                default: return false
                }
                if let first = high {
                    out[filled] = first << 4 | digit
                    filled += 1
                    high = nil
                } else {
                    high = digit
                }
            }
            return filled == 16
        }
        guard ok else { return nil }
        self.uuid = UUID(uuid: value)
    }

    public init?(_ text: String) {
        self.init(canonicalBytes: Array(text.utf8))
    }

    public var description: String { uuid.uuidString.lowercased() }
}
