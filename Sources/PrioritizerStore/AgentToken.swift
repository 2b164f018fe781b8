import Foundation
import Prioritization

/// Agent tokens: `prk_` followed by 256 random bits from the system's CSPRNG, base64url.
/// Only their SHA-256 is stored; lookups hash the presented token and compare digests.
public enum AgentToken {
    public static let prefix = "prk_"

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux: a CSPRNG
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    public static func hash(_ token: String) -> [UInt8] {
        SHA256Digest.hash(token)
    }

    /// Compares two digests in time that does not depend on where they differ.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
