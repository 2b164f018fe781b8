import Testing

@testable import Prioritization

/// Loading rank tables: the hash check, the file format and decompression.
struct TokenizerTableTests {
    /// The cl100k_base table offered as o200k_base fails the SHA-256 check instead of counting wrong.
    @Test func wrongTableIsRefusedByItsHash() throws {
        let cl100k = try SharedTokenizers.gzippedRankFile(.cl100kBase)
        #expect(throws: TokenizerError.checksumMismatch(
            expected: TokenEncoding.o200kBase.expectedSHA256,
            actual: TokenEncoding.cl100kBase.expectedSHA256)
        ) {
            try SharedTokenizers.tokenizer(.o200kBase, gzippedRankFile: cl100k)
        }
    }

    @Test func packagedTableLoadsWhenTheHashMatches() throws {
        let gzipped = try SharedTokenizers.gzippedRankFile(.cl100kBase)
        let tokenizer = try SharedTokenizers.tokenizer(.cl100kBase, gzippedRankFile: gzipped)
        #expect(tokenizer.encode("hello world") == [15339, 1917])
    }

    @Test func alteredByteIsDetected() throws {
        let file = Array("aGVsbG8= 0\nd29ybGQ= 1\n".utf8)  // "hello" 0, "world" 1
        let hash = RankFileParser.sha256Hex(file)
        let table = try RankFileParser.table(fromDecompressed: file, expectedSHA256: hash, expectedCount: 2)
        #expect(table.count == 2)

        var altered = file
        altered[altered.count - 2] = UInt8(ascii: "2")  // "world" now ranks 2
        #expect(throws: TokenizerError.checksumMismatch(expected: hash, actual: RankFileParser.sha256Hex(altered))) {
            try RankFileParser.table(fromDecompressed: altered, expectedSHA256: hash, expectedCount: 2)
        }
    }

    @Test func ranksAreLookedUpByBytes() throws {
        // Tokens of 1, 7, 8 and 12 bytes exercise both the packed and the hashed table.
        let tokens = ["a", "abcdefg", "abcdefgh", "abcdefghijkl"]
        var lines = ""
        for (rank, token) in tokens.enumerated() {
            lines += "\(Self.base64(Array(token.utf8))) \(rank)\n"
        }
        let table = try RankFileParser.table(parsing: Array(lines.utf8), expectedCount: 4)
        #expect(table.maxTokenLength == 12)
        for (rank, token) in tokens.enumerated() {
            let padded = Array(token.utf8) + [UInt8](repeating: 0x7A, count: 8)
            #expect(padded.withUnsafeBufferPointer { table.rank($0.baseAddress!, token.utf8.count) } == UInt32(rank))
        }
        let missing = Array("abcdefz".utf8) + [UInt8](repeating: 0, count: 8)
        #expect(missing.withUnsafeBufferPointer { table.rank($0.baseAddress!, 7) } == RankTable.absent)
    }

    @Test func malformedLinesAndCountsAreReported() {
        #expect(throws: TokenizerError.malformedRankLine(line: 2)) {
            try RankFileParser.table(parsing: Array("YQ== 0\nnot-base64!\n".utf8), expectedCount: nil)
        }
        #expect(throws: TokenizerError.unexpectedRankCount(expected: 3, actual: 1)) {
            try RankFileParser.table(parsing: Array("YQ== 0\n".utf8), expectedCount: 3)
        }
    }

    @Test func corruptGzipIsReported() {
        #expect(throws: TokenizerError.self) {
            try Gunzip.decompress([0x1F, 0x8B, 0x08, 0x00, 0xDE, 0xAD])
        }
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return out
    }
}
