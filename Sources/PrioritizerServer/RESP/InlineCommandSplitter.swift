import NIOCore

/// Splits one inline command line into arguments with the rules of Redis's `sdssplitargs`:
///
/// - words are separated by white space (space, tab, CR, LF, VT, FF);
/// - `"…"` may contain `\n \r \t \b \a \\ \"` and `\xHH` escapes; any other escaped character
///   stands for itself;
/// - `'…'` may contain only the `\'` escape;
/// - a quote may start in the middle of a word (`a"b c"` is `ab c`), but a closing quote must be
///   followed by white space or the end of the line;
/// - an unterminated quote is an error (`unbalanced quotes in request`).
///
/// A NUL byte separates words here (Redis stops reading the line at it).
public enum InlineCommandSplitter {
    public static func split<Line: RandomAccessCollection<UInt8>>(_ line: Line) throws(RESPProtocolError) -> [[UInt8]] where Line.Index == Int {
        var words: [[UInt8]] = []
        var index = line.startIndex
        let end = line.endIndex

        func byte(at position: Int) -> UInt8? { position < end ? line[position] : nil }

        while true {
            while let current = byte(at: index), isSpace(current) || current == 0 { index += 1 }
            guard index < end else { return words }

            var word: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                let current = byte(at: index)
                if inDoubleQuotes {
                    guard let current else { throw .unbalancedQuotes }
                    if current == UInt8(ascii: "\\"), byte(at: index + 1) == UInt8(ascii: "x"),
                       let high = hexValue(byte(at: index + 2)), let low = hexValue(byte(at: index + 3)) {
                        word.append(high << 4 | low)
                        index += 3
                    } else if current == UInt8(ascii: "\\"), let escaped = byte(at: index + 1) {
                        index += 1
                        word.append(unescape(escaped))
                    } else if current == UInt8(ascii: "\"") {
                        if let following = byte(at: index + 1), !isSpace(following) { throw .unbalancedQuotes }
                        done = true
                    } else {
                        word.append(current)
                    }
                } else if inSingleQuotes {
                    guard let current else { throw .unbalancedQuotes }
                    if current == UInt8(ascii: "\\"), byte(at: index + 1) == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if current == UInt8(ascii: "'") {
                        if let following = byte(at: index + 1), !isSpace(following) { throw .unbalancedQuotes }
                        done = true
                    } else {
                        word.append(current)
                    }
                } else {
                    switch current {
                    case nil, 0:
                        done = true
                    case let c? where isSpace(c):
                        done = true
                    case UInt8(ascii: "\"")?:
                        inDoubleQuotes = true
                    case UInt8(ascii: "'")?:
                        inSingleQuotes = true
                    case let c?:
                        word.append(c)
                    }
                }
                if index < end { index += 1 }
            }
            words.append(word)
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte)
    }

    private static func hexValue(_ byte: UInt8?) -> UInt8? {
        switch byte {
        case let b? where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b): b - UInt8(ascii: "0")
        case let b? where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b): b - UInt8(ascii: "a") + 10
        case let b? where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func unescape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): 0x0a
        case UInt8(ascii: "r"): 0x0d
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "a"): 0x07
        default: byte
        }
    }
}
