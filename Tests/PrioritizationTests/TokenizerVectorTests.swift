import Foundation
import Testing

@testable import Prioritization

/// The 606 published vectors: each text's exact ids under each encoding, as tiktoken gives them.
struct TokenizerVectorTests {
    struct Vector: Decodable, CustomTestStringConvertible {
        let encoding: String
        let text: String
        let tokens: [Int]

        var testDescription: String { "\(encoding): \(text.debugDescription.prefix(60))" }
    }

    static let vectors: [Vector] = {
        guard let url = Bundle.module.url(forResource: "tokenizer-vectors", withExtension: "jsonl", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url)
        else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Vector.self, from: Data($0)) }
    }()

    @Test func allVectorsAreLoaded() {
        #expect(Self.vectors.count == 606)
        #expect(Set(Self.vectors.map(\.encoding)) == ["o200k_base", "cl100k_base"])
    }

    @Test(arguments: TokenEncoding.allCases)
    func everyVectorGivesTheReferenceIds(encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.shared(encoding)
        let vectors = Self.vectors.filter { $0.encoding == encoding.rawValue }
        #expect(vectors.count == 303)
        var mismatches = 0
        for vector in vectors {
            let ids = tokenizer.encode(vector.text)
            if ids != vector.tokens {
                mismatches += 1
                Issue.record("\(vector.testDescription): got \(ids), expected \(vector.tokens)")
            }
            #expect(tokenizer.count(vector.text) == vector.tokens.count)
            #expect(tokenizer.count(bytes: Array(vector.text.utf8)) == vector.tokens.count)
        }
        #expect(mismatches == 0)
    }
}
