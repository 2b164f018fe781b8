import Prioritization

/// SHA-256 of a resource's content: what is kept of CONTENT (the text itself is not stored).
public enum ContentDigest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        SHA256Digest.hash(bytes)
    }
}
