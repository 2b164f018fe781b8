/// cl100k_base's pattern:
/// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
enum Cl100kPreTokenizer: PreTokenizer {
    @inline(__always)
    static func pieceEnd(in text: UTF8Text, from start: Int) -> Int {
        let (cls, length) = text.scalar(at: start)
        let next = start + length

        // '(?i:[sdmt]|ll|ve|re)
        if let end = text.contractionEnd(at: start) { return end }

        // [^\r\n\p{L}\p{N}]?+\p{L}++ — the prefix is possessive, but a prefix scalar is never a
        // letter, so giving it back could not help.
        if cls & ScalarClass.letter != 0 {
            return text.runEnd(from: next, matching: ScalarClass.letter)
        }
        if cls & ScalarClass.notWordPrefix == 0 && text.classAt(next) & ScalarClass.letter != 0 {
            return text.runEnd(from: next, matching: ScalarClass.letter)
        }

        // \p{N}{1,3}+
        if cls & ScalarClass.number != 0 {
            return numberEnd(in: text, after: next)
        }

        // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        if cls & ScalarClass.notPunctuation == 0 {
            let end = text.runEnd(from: next, excluding: ScalarClass.notPunctuation)
            return text.newlineRunEnd(from: end, includingSlash: false)
        }
        if text.bytes[start] == UInt8(ascii: " ") && next < text.count
            && text.classAt(next) & ScalarClass.notPunctuation == 0
        {
            let end = text.runEnd(from: next, excluding: ScalarClass.notPunctuation)
            return text.newlineRunEnd(from: end, includingSlash: false)
        }

        // Only whitespace is left.
        let run = text.whitespaceRun(from: start)
        if run.end == text.count { return run.end }  // \s++$
        if let newlineEnd = run.lastNewlineEnd { return newlineEnd }  // \s*[\r\n]
        if run.isLong { return run.lastScalarStart }  // \s+(?!\S) leaves the last one to the next piece
        return run.end  // \s
    }

    /// After one digit, up to two more (`{1,3}`).
    @inline(__always)
    static func numberEnd(in text: UTF8Text, after first: Int) -> Int {
        var end = first
        for _ in 0..<2 {
            guard end < text.count else { break }
            let (cls, length) = text.scalar(at: end)
            guard cls & ScalarClass.number != 0 else { break }
            end += length
        }
        return end
    }
}
