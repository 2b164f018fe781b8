import Prioritization
import Testing
@testable import PrioritizerServer

@Suite("TOKENS over the real tokenizer")
struct TokenizerTokenCountingTests {
    let counting = TokenizerTokenCounting()

    @Test func countsAsTheDomainTokenizer() async throws {
        let text = "func hello() { print(\"Hello, world!\") }\n"
        let expected = Int64(try Tokenizer.shared(.o200kBase).count(text))
        #expect(try await counting.countTokens(TokensRequest(text: Array(text.utf8))) == expected)
        let cl100k = Int64(try Tokenizer.shared(.cl100kBase).count(text))
        #expect(try await counting.countTokens(TokensRequest(text: Array(text.utf8), encoding: .cl100kBase)) == cl100k)
    }

    @Test func longTextsAreCountedOffThePoolWithTheSameResult() async throws {
        let text = String(repeating: "let value = compute(42) // comment\n", count: 4000)
        #expect(text.utf8.count > TokenizerTokenCounting.inlineCountLimit)
        let expected = Int64(try Tokenizer.shared(.o200kBase).count(text))
        #expect(try await counting.countTokens(TokensRequest(text: Array(text.utf8))) == expected)
    }

    @Test func estimatesAsTheDomainEstimator() async throws {
        let expected = Int64(TokenEstimator.estimate(bytes: 4096, type: .code, path: "/a.swift"))
        #expect(try await counting.estimateTokens(TokenEstimateRequest(bytes: 4096, type: .code, path: "/a.swift")) == expected)
    }
}
