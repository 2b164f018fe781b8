import TestSupport
import Testing

@testable import Prioritization

/// The heap-driven merge for long pieces must choose exactly as tiktoken's rescanning loop does.
struct TokenizerMergeTests {
    @Test(arguments: TokenEncoding.allCases)
    func heapMergeEqualsRescanningMerge(encoding: TokenEncoding) throws {
        let ranks = try Tokenizer.shared(encoding).ranks
        var generator = SeededGenerator(seed: 42)
        // Small alphabets make long pieces with many equal-ranked pairs: the tie-break matters.
        let alphabets: [[UInt8]] = [Array("ab".utf8), Array("aaab".utf8), Array("=-_".utf8), Array("xyzXYZ09".utf8),
                                    Array("é中".utf8), (0...255).map(UInt8.init)]
        var compared = 0
        for alphabet in alphabets {
            for length in [2, 3, 5, 17, 64, 129, 300, 1000] {
                let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                    + [UInt8](repeating: 0, count: 8)
                var rescanning = BytePairMerger(ranks: ranks)
                var heap = BytePairMerger(ranks: ranks)
                try bytes.withUnsafeBufferPointer { buffer in
                    let expected = rescanning.mergeByRescanning(buffer.baseAddress!, length: length)
                    let actual = heap.mergeWithHeap(buffer.baseAddress!, length: length)
                    try #require(actual == expected)
                    for part in 0...expected {
                        #expect(heap.boundaries[part] == rescanning.boundaries[part])
                    }
                }
                compared += 1
            }
        }
        #expect(compared == 48)
    }
}

