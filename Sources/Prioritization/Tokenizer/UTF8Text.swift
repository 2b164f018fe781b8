/// Valid UTF-8 bytes followed by at least 8 readable padding bytes, walked scalar by scalar.
///
/// The tokenizer works on bytes (tiktoken's ranks are byte sequences) and only decodes scalars to
/// classify them, so no `String` or `Character` machinery runs in the hot loop.
struct UTF8Text {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    let bmpClasses: UnsafePointer<UInt8>

    /// The class and UTF-8 length of the scalar starting at `index` (which must be < count).
    @inline(__always)
    func scalar(at index: Int) -> (cls: UInt8, length: Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (bmpClasses[Int(lead)], 1) }
        if lead < 0xE0 {
            let value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
            return (bmpClasses[Int(value)], 2)
        }
        if lead < 0xF0 {
            let value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
            return (bmpClasses[Int(value)], 3)
        }
        let value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
        return (Unicode.Scalar(value).map(ScalarClass.of) ?? 0, 4)
    }

    /// Class of the scalar at `index`, or 0 (no property at all) past the end, which makes every
    /// "next scalar is a letter" test fail there as the patterns require.
    @inline(__always)
    func classAt(_ index: Int) -> UInt8 {
        index < count ? scalar(at: index).cls : 0
    }

    /// End of the run of scalars from `index` whose class shares a bit with `classes`.
    @inline(__always)
    func runEnd(from index: Int, matching classes: UInt8) -> Int {
        var position = index
        while position < count {
            let (cls, length) = scalar(at: position)
            if cls & classes == 0 { break }
            position += length
        }
        return position
    }

    /// `'` followed by one of tiktoken's contraction suffixes, case-insensitively as Rust's regex
    /// folds case (so `s` also matches U+017F LONG S): the end of the contraction, or nil.
    /// cl100k_base's `'(?i:[sdmt]|ll|ve|re)` and o200k_base's `(?i:'s|'t|'re|'ve|'m|'ll|'d)` are
    /// the same set.
    @inline(__always)
    func contractionEnd(at index: Int) -> Int? {
        guard index + 1 < count, bytes[index] == UInt8(ascii: "'") else { return nil }
        let first = bytes[index + 1]
        switch first | 0x20 {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "d"), UInt8(ascii: "m"):
            return index + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            if index + 2 < count && bytes[index + 2] | 0x20 == UInt8(ascii: "e") { return index + 3 }
        case UInt8(ascii: "l"):
            if index + 2 < count && bytes[index + 2] | 0x20 == UInt8(ascii: "l") { return index + 3 }
        default:
            break
        }
        // U+017F LATIN SMALL LETTER LONG S case-folds to `s`.
        if first == 0xC5 && index + 2 < count && bytes[index + 2] == 0xBF { return index + 3 }
        return nil
    }
}

extension UTF8Text {
    /// End of the run of scalars from `index` whose class shares no bit with `excluded`.
    @inline(__always)
    func runEnd(from index: Int, excluding excluded: UInt8) -> Int {
        var position = index
        while position < count {
            let (cls, length) = scalar(at: position)
            if cls & excluded != 0 { break }
            position += length
        }
        return position
    }

    /// End of the run of ASCII bytes from `index` that are `\r`, `\n`, or also `/` when asked.
    @inline(__always)
    func newlineRunEnd(from index: Int, includingSlash: Bool) -> Int {
        var position = index
        while position < count {
            let byte = bytes[position]
            guard byte == 0x0A || byte == 0x0D || (includingSlash && byte == UInt8(ascii: "/")) else { break }
            position += 1
        }
        return position
    }

    /// The whitespace run from `index`: its end, the start of its last scalar, whether it holds
    /// more than one scalar, and the end of its last `\r`/`\n` (nil if none).
    @inline(__always)
    func whitespaceRun(from index: Int) -> (end: Int, lastScalarStart: Int, isLong: Bool, lastNewlineEnd: Int?) {
        var position = index
        var lastScalarStart = index
        var lastNewlineEnd: Int? = nil
        while position < count {
            let (cls, length) = scalar(at: position)
            if cls & ScalarClass.whitespace == 0 { break }
            if cls & ScalarClass.newline != 0 { lastNewlineEnd = position + 1 }
            lastScalarStart = position
            position += length
        }
        return (position, lastScalarStart, lastScalarStart > index, lastNewlineEnd)
    }
}
