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

    /// Accepts only the canonical lower-case form.
    public init?<Bytes: Collection<UInt8>>(canonicalBytes bytes: Bytes) {
        guard bytes.count == 36 else { return nil }
        for (offset, byte) in bytes.enumerated() {
            switch offset {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
            default:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else { return nil }
            }
        }
        guard let uuid = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else { return nil }
        self.uuid = uuid
    }

    public init?(_ text: String) {
        self.init(canonicalBytes: Array(text.utf8))
    }

    public var description: String { uuid.uuidString.lowercased() }
}
