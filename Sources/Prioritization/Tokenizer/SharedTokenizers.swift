import Foundation

/// One tokenizer per encoding per process. Swift initializes static stored properties lazily and
/// exactly once even under concurrent first use, so no lock is needed; a failed load is kept too,
/// so a broken table is reported the same way on every call instead of reloading each time.
enum SharedTokenizers {
    private static let o200kBase = Result { () throws(TokenizerError) in try load(.o200kBase) }
    private static let cl100kBase = Result { () throws(TokenizerError) in try load(.cl100kBase) }

    static func tokenizer(for encoding: TokenEncoding) throws(TokenizerError) -> Tokenizer {
        switch encoding {
        case .o200kBase: try o200kBase.get()
        case .cl100kBase: try cl100kBase.get()
        }
    }

    static func load(_ encoding: TokenEncoding) throws(TokenizerError) -> Tokenizer {
        try tokenizer(encoding, gzippedRankFile: gzippedRankFile(encoding))
    }

    /// The packaged `.tiktoken.gz` bytes of `encoding`.
    static func gzippedRankFile(_ encoding: TokenEncoding) throws(TokenizerError) -> [UInt8] {
        let name = "\(encoding.resourceName).gz"
        guard let url = Bundle.module.url(forResource: encoding.resourceName, withExtension: "gz", subdirectory: "Encodings")
        else { throw .resourceMissing(name: name) }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .resourceUnreadable(name: name, reason: "\(error)")
        }
    }

    /// Decompresses, verifies and indexes a rank file; separate from resource lookup so tests can
    /// feed it altered bytes.
    static func tokenizer(_ encoding: TokenEncoding, gzippedRankFile compressed: [UInt8]) throws(TokenizerError) -> Tokenizer {
        let file = try Gunzip.decompress(compressed)
        let table = try RankFileParser.table(
            fromDecompressed: file, expectedSHA256: encoding.expectedSHA256, expectedCount: encoding.expectedRankCount)
        return Tokenizer(encoding: encoding, ranks: table)
    }
}
