/// The Unicode properties the pre-tokenization patterns test, folded into one byte per scalar.
///
/// `\p{L}`, `\p{N}`, `\p{M}` are general-category groups, `\s` is the White_Space property (what
/// Rust's regex engines, and so tiktoken, mean by it). o200k_base further splits letters into an
/// "upper" set (Lu Lt Lm Lo M) and a "lower" set (Ll Lm Lo M).
enum ScalarClass {
    static let letter: UInt8 = 1 << 0
    static let number: UInt8 = 1 << 1
    static let mark: UInt8 = 1 << 2
    static let whitespace: UInt8 = 1 << 3
    /// `\r` or `\n`, which several alternatives single out.
    static let newline: UInt8 = 1 << 4
    /// o200k_base's `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`.
    static let upperSet: UInt8 = 1 << 5
    /// o200k_base's `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
    static let lowerSet: UInt8 = 1 << 6

    static func of(_ scalar: Unicode.Scalar) -> UInt8 {
        var bits: UInt8 = 0
        let properties = scalar.properties
        if properties.isWhitespace { bits |= whitespace }
        if scalar == "\r" || scalar == "\n" { bits |= newline }
        switch properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter:
            bits |= letter | upperSet
        case .lowercaseLetter:
            bits |= letter | lowerSet
        case .modifierLetter, .otherLetter:
            bits |= letter | upperSet | lowerSet
        case .nonspacingMark, .spacingMark, .enclosingMark:
            bits |= mark | upperSet | lowerSet
        case .decimalNumber, .letterNumber, .otherNumber:
            bits |= number
        default:
            break
        }
        return bits
    }
}

/// Classes of every Basic Multilingual Plane scalar, computed once: asking the standard library
/// for a general category costs far more than one table read, and nearly all text is in the BMP.
final class ScalarClassTable: @unchecked Sendable {
    static let shared = ScalarClassTable()

    /// Read-only after init.
    let bmp: UnsafeMutablePointer<UInt8>

    private init() {
        bmp = .allocate(capacity: 0x10000)
        for value in 0..<UInt32(0x10000) {
            bmp[Int(value)] = Unicode.Scalar(value).map(ScalarClass.of) ?? 0
        }
    }

    deinit { bmp.deallocate() }
}
