#if canImport(CommonCrypto)
import CommonCrypto
#else
import CLibCrypto
#endif

/// SHA-256 from the platform's own crypto library: OpenSSL's libcrypto on Linux (libpq already
/// links it, and libpq-dev brings its headers), CommonCrypto on Apple's systems.
///
/// The server needs no other cryptography of its own (TLS is swift-nio-ssl's). swift-crypto, used
/// for this one function before, compiled a second copy of BoringSSL into every build.
public enum SHA256Digest {
    public static let byteCount = 32

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The digest of the text's UTF-8.
    public static func hash(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        // An empty buffer may have no address; both libraries want one even for no bytes.
        var empty: UInt8 = 0
        withUnsafePointer(to: &empty) { empty in
            let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty
            digest.withUnsafeMutableBufferPointer { digest in
                #if canImport(CommonCrypto)
                _ = CC_SHA256(start, CC_LONG(bytes.count), digest.baseAddress)
                #else
                _ = SHA256(start, bytes.count, digest.baseAddress)
                #endif
            }
        }
        return digest
    }

    /// The digest in lowercase hexadecimal.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(digest.count * 2)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
