import Testing

@testable import Prioritization

struct TokenEstimatorTests {
    @Test(arguments: ResourceType.allCases)
    func nothingForNoBytesAndNeverZeroForSome(type: ResourceType) {
        #expect(TokenEstimator.estimate(bytes: 0, type: type, path: nil) == 0)
        #expect(TokenEstimator.estimate(bytes: -5, type: type, path: "a.swift") == 0)
        #expect(TokenEstimator.estimate(bytes: 1, type: type, path: nil) == 1)
        #expect(TokenEstimator.estimate(bytes: 1, type: type, path: "big.json") == 1)
    }

    /// Every figure lies where real tokenizers put text: between 1.5 and 6 bytes per token.
    @Test func ratiosAreInASaneRange() {
        let all = Array(TokenEstimator.bytesPerTokenByType.values)
            + TokenEstimator.bytesPerTokenByTypeAndExtension.values.flatMap(\.values)
            + TokenEstimator.bytesPerTokenByExtension.values
        #expect(Set(TokenEstimator.bytesPerTokenByType.keys) == Set(ResourceType.allCases))
        for ratio in all { #expect(ratio >= 1.5 && ratio <= 6) }
    }

    /// The values docs/token-estimates.md documents.
    @Test func documentedFigures() {
        #expect(TokenEstimator.estimate(bytes: 4600, type: .code, path: "Sources/App/main.swift") == 1000)
        #expect(TokenEstimator.estimate(bytes: 3930, type: .code, path: nil) == 1000)
        #expect(TokenEstimator.estimate(bytes: 2600, type: .data, path: "Package.json") == 1000)
        #expect(TokenEstimator.estimate(bytes: 4170, type: .documentation, path: "NOTES") == 1000)
        #expect(TokenEstimator.estimate(bytes: 4590, type: .research, path: nil) == 1000)
        #expect(TokenEstimator.estimate(bytes: 3850, type: .generated, path: nil) == 1000)
        #expect(TokenEstimator.estimate(bytes: 10, type: .code, path: "x.swift") == 2)  // 2.17 rounds to 2
    }

    @Test func extensionRefinesTheType() {
        // Markdown reads as denser prose under RESEARCH than under DOCUMENTATION, as measured.
        #expect(TokenEstimator.bytesPerToken(type: .research, path: "notes/idea.md") == 4.60)
        #expect(TokenEstimator.bytesPerToken(type: .documentation, path: "README.MD") == 4.20)
        // An extension never measured under the given type falls back to its usual type's figure.
        #expect(TokenEstimator.bytesPerToken(type: .research, path: "data.json") == 2.60)
        // An unknown extension takes the type's median.
        #expect(TokenEstimator.bytesPerToken(type: .data, path: "dump.bin") == 3.33)
        // Generated Swift keeps its compound extension.
        #expect(TokenEstimator.bytesPerToken(type: .code, path: "Gen/api.pb.swift") == 4.01)
    }

    @Test func extensionKeys() {
        #expect(TokenEstimator.extensionKey("a/b/C.Swift") == "swift")
        #expect(TokenEstimator.extensionKey("x.grpc.swift") == "grpc.swift")
        #expect(TokenEstimator.extensionKey(".gitignore") == nil)
        #expect(TokenEstimator.extensionKey("Makefile") == nil)
        #expect(TokenEstimator.extensionKey("dir.d/file") == nil)
        #expect(TokenEstimator.extensionKey("trailing.") == nil)
        #expect(TokenEstimator.extensionKey("Package.resolved") == "resolved")
    }

    /// On a real Swift file, the estimate is within the documented 95th-percentile error (30%).
    @Test func estimateTracksTheExactCountOnSwift() throws {
        let source = TokenizerTests.mixedText + String(repeating: """
            public func merged(with other: DecayedScore, halfLifeMilliseconds: Double) -> DecayedScore {
                if other.score == 0 && other.at == Int64.min { return self }
                let newer = max(at, other.at)
                return DecayedScore(score: score + other.score, at: newer)
            }

            """, count: 20)
        let exact = try Tokenizer.shared(.o200kBase).count(source)
        let estimated = TokenEstimator.estimate(bytes: source.utf8.count, type: .code, path: "Score.swift")
        #expect(abs(Double(estimated - exact)) / Double(exact) < 0.3)
    }
}
