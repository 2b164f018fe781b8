/// Splits text into the pieces that byte-pair merging then works on, exactly as an encoding's
/// published regular expression does with tiktoken (leftmost-first alternation, backtracking).
/// Each encoding's pattern is hand-compiled into a scanner: the patterns' alternatives cover every
/// scalar, so pieces tile the text and only "where does the piece starting here end" is needed.
protocol PreTokenizer {
    /// End of the piece starting at `start`; `start < text.count`, and the result is > `start`.
    static func pieceEnd(in text: UTF8Text, from start: Int) -> Int
}

extension ScalarClass {
    /// Classes excluded by `[^\r\n\p{L}\p{N}]`, the optional prefix of words.
    static let notWordPrefix: UInt8 = newline | letter | number
    /// Classes excluded by `[^\s\p{L}\p{N}]`, punctuation and symbols (marks included).
    static let notPunctuation: UInt8 = whitespace | letter | number
}
