import Testing

@testable import Prioritization

struct TokenizerTests {
    @Test func encodingNamesParseInAnyCase() throws {
        #expect(try TokenEncoding(word: "o200k_base") == .o200kBase)
        #expect(try TokenEncoding(word: "CL100K_BASE") == .cl100kBase)
        #expect(TokenEncoding.default == .o200kBase)
    }

    @Test func unknownEncodingNameListsTheValidOnes() {
        #expect {
            try TokenEncoding(word: "p50k_base")
        } throws: { error in
            let message = "\(error)"
            return message.contains("p50k_base") && message.contains("o200k_base") && message.contains("cl100k_base")
        }
    }

    @Test func sharedTokenizerIsLoadedOnce() throws {
        #expect(try Tokenizer.shared(.o200kBase) === Tokenizer.shared(.o200kBase))
        #expect(try Tokenizer.shared(.cl100kBase).encoding == .cl100kBase)
        #expect(try Tokenizer.shared(.o200kBase).ranks.count == 199_998)
        #expect(try Tokenizer.shared(.cl100kBase).ranks.count == 100_256)
    }

    /// Ids from tiktoken for the text after U+FFFD replacement.
    @Test func invalidUTF8CountsAsReplacementCharacters() throws {
        let o200k = try Tokenizer.shared(.o200kBase)
        let cl100k = try Tokenizer.shared(.cl100kBase)
        let stray: [UInt8] = [0x61, 0xFF, 0x62]  // "a", invalid byte, "b"
        #expect(o200k.encode("a\u{FFFD}b") == [64, 3251, 65])
        #expect(o200k.count(bytes: stray) == 3)
        #expect(cl100k.count(bytes: stray) == 3)

        // A truncated two-byte sequence, then CRLF, which must be kept (370 is "\r\n").
        let truncated = Array("caf".utf8) + [0xC3] + Array(" au lait\r\n".utf8)
        #expect(o200k.encode(String(decoding: truncated, as: UTF8.self)) == [176980, 3251, 2791, 70402, 370])
        #expect(o200k.count(bytes: truncated) == 5)
        #expect(cl100k.count(bytes: truncated) == 6)

        // Two invalid bytes become two replacement characters, a single token in both encodings.
        #expect(o200k.count(bytes: [0xFF, 0xFE]) == 1)
        #expect(cl100k.encode(String(decoding: [0xFF, 0xFE] as [UInt8], as: UTF8.self)) == [10178])
    }

    @Test(arguments: TokenEncoding.allCases)
    func emptyInputHasNoTokens(encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.shared(encoding)
        #expect(tokenizer.count("") == 0)
        #expect(tokenizer.encode("").isEmpty)
        #expect(tokenizer.count(bytes: [UInt8]()) == 0)
    }

    /// Long single pieces take the merge path with grown scratch space; ids from tiktoken.
    @Test func longPiecesMergeLikeTiktoken() throws {
        let o200k = try Tokenizer.shared(.o200kBase)
        let cl100k = try Tokenizer.shared(.cl100kBase)
        let letters = String(repeating: "a", count: 3000)
        #expect(o200k.count(letters) == 375)
        #expect(o200k.encode(letters).prefix(3) == [117525, 117525, 117525])
        #expect(cl100k.count(letters) == 375)
        #expect(cl100k.encode(letters).prefix(3) == [70540, 70540, 70540])
        let spaces = String(repeating: " ", count: 1000)
        #expect(o200k.count(spaces) == 9)
        #expect(cl100k.encode(spaces).prefix(3) == [58040, 58040, 58040])
    }

    @Test(arguments: TokenEncoding.allCases)
    func countAgreesWithEncodeOnMixedText(encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.shared(encoding)
        let text = Self.mixedText
        #expect(tokenizer.count(text) == tokenizer.encode(text).count)
        #expect(tokenizer.count(bytes: Array(text.utf8)) == tokenizer.count(text))
    }

    /// Many tasks counting at once over the shared tokenizers give what one task gives alone.
    @Test func concurrentUseGivesTheSameCounts() async throws {
        let texts = (0..<8).map { Self.mixedText + String(repeating: " x\($0)", count: $0 * 50) }
        var expected: [TokenEncoding: [Int]] = [:]
        for encoding in TokenEncoding.allCases {
            let tokenizer = try Tokenizer.shared(encoding)
            expected[encoding] = texts.map(tokenizer.count)
        }
        let results = try await withThrowingTaskGroup(of: (TokenEncoding, Int, Int, Int).self) { group in
            for round in 0..<64 {
                let encoding = TokenEncoding.allCases[round % 2]
                let index = round % texts.count
                group.addTask {
                    let tokenizer = try Tokenizer.shared(encoding)
                    return (encoding, index, tokenizer.count(texts[index]), tokenizer.encode(texts[index]).count)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 64)
        for (encoding, index, counted, encoded) in results {
            #expect(counted == expected[encoding]![index])
            #expect(encoded == counted)
        }
    }

    static let mixedText = """
        import Foundation

        /// Ça marche: naïve café, 東京タワー, Привет мир, مرحبا, 👍🏽 👨‍👩‍👧 — don't, WE'LL, it’s.
        struct Point { var x = 12345.678e-9; let tag = "\\u{1F600}"; }\r\n\r\n\t\t  spaces\u{00A0}nbsp\u{200B}zw
        for i in 0..<1_000 { print(i, terminator: "") } // 2³ ⅛ Ⅻ
        """
}

/// The piece cache (texts of 2 KiB and more) must not change a single id.
struct TokenizerPieceCacheTests {
    @Test(arguments: TokenEncoding.allCases)
    func cachedAndUncachedResultsAgree(encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.shared(encoding)
        // Repeats of merged pieces (identifiers, "\r\n\r\n\t\t  ") at shifting offsets, plus a
        // long piece, so hits are copied from both merge paths.
        let text = (0..<40).map { "\($0 % 7) " + TokenizerTests.mixedText }.joined(separator: "\n")
            + String(repeating: "ab", count: 300) + " " + String(repeating: "ab", count: 300)
        #expect(text.utf8.count >= PieceCache.minimumTextLength)
        let uncached = tokenizer.encode(text, cachingPieces: false)
        #expect(tokenizer.encode(text) == uncached)
        #expect(tokenizer.count(text) == uncached.count)
        #expect(tokenizer.count(text, cachingPieces: false) == uncached.count)
    }
}
