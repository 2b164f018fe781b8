/// Exact BPE token counts and ids for the encodings in `TokenEncoding`, identical to tiktoken's
/// `encode_ordinary` (special-token text counts as ordinary text).
///
/// Rank tables load lazily, once per process, from the package resources; a `Tokenizer` is
/// immutable and may be used from any number of threads at once.
public final class Tokenizer: Sendable {
    public let encoding: TokenEncoding
    let ranks: RankTable
    private let classes: ScalarClassTable

    init(encoding: TokenEncoding, ranks: RankTable) {
        self.encoding = encoding
        self.ranks = ranks
        self.classes = ScalarClassTable.shared
    }

    /// The process-wide tokenizer of `encoding`; the first call loads and verifies its table.
    public static func shared(_ encoding: TokenEncoding) throws(TokenizerError) -> Tokenizer {
        try SharedTokenizers.tokenizer(for: encoding)
    }

    /// Token ids, as tiktoken's `encode_ordinary`.
    public func encode(_ text: String) -> [Int] {
        var ids = [Int]()
        ids.reserveCapacity(text.utf8.count / 3)
        withPaddedUTF8(text) { run($0) { ids.append(Int($0)) } }
        return ids
    }

    /// The number of tokens `encode` would return, without building the array of ids.
    public func count(_ text: String) -> Int {
        var total = 0
        withPaddedUTF8(text) { total = countTokens($0) }
        return total
    }

    /// Counts bytes as text, replacing invalid UTF-8 with U+FFFD as `String(decoding:as:)` does.
    public func count(bytes: some Collection<UInt8>) -> Int {
        count(String(decoding: bytes, as: UTF8.self))
    }

    // MARK: - Driving the pre-tokenizer and merger

    /// Copies the text's UTF-8 into a buffer with 8 zero bytes after it: the rank table reads
    /// short keys 8 bytes at a time.
    private func withPaddedUTF8(_ text: String, _ body: (UTF8Text) -> Void) {
        var text = text
        text.withUTF8 { utf8 in
            let padded = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count + 8)
            defer { padded.deallocate() }
            if let base = utf8.baseAddress { padded.initialize(from: base, count: utf8.count) }
            (padded + utf8.count).initialize(repeating: 0, count: 8)
            body(UTF8Text(bytes: padded, count: utf8.count, bmpClasses: classes.bmp))
        }
    }

    private func countTokens(_ text: UTF8Text) -> Int {
        switch encoding {
        case .o200kBase: countTokens(text, O200kPreTokenizer.self)
        case .cl100kBase: countTokens(text, Cl100kPreTokenizer.self)
        }
    }

    private func run(_ text: UTF8Text, _ emit: (UInt32) -> Void) {
        switch encoding {
        case .o200kBase: run(text, O200kPreTokenizer.self, emit)
        case .cl100kBase: run(text, Cl100kPreTokenizer.self, emit)
        }
    }

    @inline(__always)
    private func countTokens<P: PreTokenizer>(_ text: UTF8Text, _: P.Type) -> Int {
        var merger = BytePairMerger(ranks: ranks)
        var total = 0
        var start = 0
        while start < text.count {
            let end = P.pieceEnd(in: text, from: start)
            let length = end - start
            // Most pieces are whole tokens; single bytes always are.
            if length == 1 || ranks.rank(text.bytes + start, length) != RankTable.absent {
                total += 1
            } else {
                total += merger.merge(text.bytes + start, length: length)
            }
            start = end
        }
        return total
    }

    @inline(__always)
    private func run<P: PreTokenizer>(_ text: UTF8Text, _: P.Type, _ emit: (UInt32) -> Void) {
        var merger = BytePairMerger(ranks: ranks)
        var start = 0
        while start < text.count {
            let end = P.pieceEnd(in: text, from: start)
            let piece = text.bytes + start
            let length = end - start
            let whole = ranks.rank(piece, length)
            if whole != RankTable.absent {
                emit(whole)
            } else {
                let parts = merger.merge(piece, length: length)
                let boundaries = merger.boundaries
                for part in 0..<parts {
                    let partStart = Int(boundaries[part])
                    emit(ranks.rank(piece + partStart, Int(boundaries[part + 1]) - partStart))
                }
            }
            start = end
        }
    }
}
