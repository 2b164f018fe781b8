/// o200k_base's pattern:
/// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
/// `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
/// `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
///
/// Below, UPPER is the first bracket (Lu Lt Lm Lo M) and LOWER the second (Ll Lm Lo M); Lm, Lo
/// and marks are in both, which is what makes backtracking matter.
enum O200kPreTokenizer: PreTokenizer {
    @inline(__always)
    static func pieceEnd(in text: UTF8Text, from start: Int) -> Int {
        let (cls, length) = text.scalar(at: start)
        let next = start + length

        if cls & ScalarClass.letter != 0 {
            // No prefix can be taken: the first or second word alternative matches from here.
            let word = wordScan(in: text, from: start)
            return contractionOrEnd(in: text, word.upperLowerEnd ?? word.upperRunEnd)
        }
        if cls & ScalarClass.notWordPrefix == 0 {
            // The greedy `?` takes this scalar as the prefix first, then gives it back.
            let word = wordScan(in: text, from: next)
            if let end = word.upperLowerEnd { return contractionOrEnd(in: text, end) }
            // A mark is in both brackets: without the prefix, alternative 1 matches it alone
            // (the UPPER run after it held no Lm/Lo/M and no LOWER followed, or we'd be done).
            if cls & ScalarClass.mark != 0 { return contractionOrEnd(in: text, next) }
            if word.upperRunEnd > next { return contractionOrEnd(in: text, word.upperRunEnd) }
        }

        // \p{N}{1,3}
        if cls & ScalarClass.number != 0 {
            return Cl100kPreTokenizer.numberEnd(in: text, after: next)
        }

        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        if cls & ScalarClass.notPunctuation == 0 {
            let end = text.runEnd(from: next, excluding: ScalarClass.notPunctuation)
            return text.newlineRunEnd(from: end, includingSlash: true)
        }
        if text.bytes[start] == UInt8(ascii: " ") && next < text.count
            && text.classAt(next) & ScalarClass.notPunctuation == 0
        {
            let end = text.runEnd(from: next, excluding: ScalarClass.notPunctuation)
            return text.newlineRunEnd(from: end, includingSlash: true)
        }

        // Only whitespace is left.
        let run = text.whitespaceRun(from: start)
        if let newlineEnd = run.lastNewlineEnd { return newlineEnd }  // \s*[\r\n]+
        if run.end == text.count { return run.end }  // \s+(?!\S) at the end of text
        if run.isLong { return run.lastScalarStart }  // \s+(?!\S) leaves the last one to the next piece
        return run.end  // \s+ of a single scalar
    }

    /// Both word alternatives from `start` (after any prefix), sharing one scan.
    /// - upperLowerEnd: where `UPPER*LOWER+` ends, or nil if it cannot match here. Greedy UPPER*
    ///   runs to its end; if a LOWER-only scalar (Ll) follows, LOWER+ takes its run; otherwise
    ///   UPPER* backtracks to its last scalar that is also LOWER, which then ends the match.
    /// - upperRunEnd: where `UPPER+LOWER*` ends when `UPPER*LOWER+` did not match (then no LOWER
    ///   scalar follows the UPPER run); equal to `start` if it cannot match either.
    @inline(__always)
    static func wordScan(in text: UTF8Text, from start: Int) -> (upperLowerEnd: Int?, upperRunEnd: Int) {
        var position = start
        var lastBothEnd: Int? = nil
        while position < text.count {
            let (cls, length) = text.scalar(at: position)
            if cls & ScalarClass.upperSet == 0 {
                if cls & ScalarClass.lowerSet != 0 {
                    return (text.runEnd(from: position + length, matching: ScalarClass.lowerSet), position)
                }
                break
            }
            position += length
            if cls & ScalarClass.lowerSet != 0 { lastBothEnd = position }
        }
        return (lastBothEnd, position)
    }

    @inline(__always)
    static func contractionOrEnd(in text: UTF8Text, _ end: Int) -> Int {
        text.contractionEnd(at: end) ?? end
    }
}
