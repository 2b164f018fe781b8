/// Reads tiktoken's rank file format: one `base64-token rank` pair a line.
enum RankFileParser {
    /// Verifies the decompressed file against its published SHA-256, then builds the table.
    static func table(fromDecompressed file: [UInt8], expectedSHA256: String, expectedCount: Int?) throws(TokenizerError) -> RankTable {
        let actual = sha256Hex(file)
        guard actual == expectedSHA256.lowercased() else {
            throw .checksumMismatch(expected: expectedSHA256.lowercased(), actual: actual)
        }
        return try table(parsing: file, expectedCount: expectedCount)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256Digest.hex(SHA256Digest.hash(bytes))
    }

    static func table(parsing file: [UInt8], expectedCount: Int?) throws(TokenizerError) -> RankTable {
        var blob = [UInt8]()
        blob.reserveCapacity(file.count / 2)
        var tokens = [(offset: Int, length: Int, rank: UInt32)]()
        tokens.reserveCapacity(expectedCount ?? 1 << 17)

        var lineNumber = 0
        var lineStart = 0
        while lineStart < file.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < file.count && file[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            if lineEnd == lineStart { continue }

            guard let space = file[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: " ")),
                let rank = decimal(file[(space + 1)..<lineEnd])
            else { throw .malformedRankLine(line: lineNumber) }
            let offset = blob.count
            guard Base64.decode(file[lineStart..<space], appendingTo: &blob), blob.count > offset else {
                throw .malformedRankLine(line: lineNumber)
            }
            tokens.append((offset, blob.count - offset, rank))
        }

        if let expectedCount, tokens.count != expectedCount {
            throw .unexpectedRankCount(expected: expectedCount, actual: tokens.count)
        }
        guard let table = RankTable(blob: blob, tokens: tokens) else {
            throw .malformedRankLine(line: 0)
        }
        return table
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt64 = 0
        var sawDigit = false
        for byte in digits {
            if byte == UInt8(ascii: "\r") { break }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            guard value < UInt64(RankTable.absent) else { return nil }
            sawDigit = true
        }
        return sawDigit ? UInt32(value) : nil
    }
}

/// Standard base64 (with padding), just enough for rank files; Foundation's decoder would cost an
/// allocation per line.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(char)] = UInt8(index)
        }
        return table
    }()

    static func decode(_ text: ArraySlice<UInt8>, appendingTo output: inout [UInt8]) -> Bool {
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for char in text {
            if char == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            let value = values[Int(char)]
            guard value != 0xFF, padding == 0 else { return false }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return (text.count % 4 == 0) && padding <= 2
    }
}
