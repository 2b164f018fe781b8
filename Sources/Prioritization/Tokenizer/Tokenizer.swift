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
        encode(text, cachingPieces: true)
    }

    /// `cachingPieces: false` exists so tests can check that the cache changes nothing.
    func encode(_ text: String, cachingPieces: Bool) -> [Int] {
        var ids = [Int]()
        ids.reserveCapacity(text.utf8.count / 3)
        withPaddedUTF8(text) { encodeTokens($0, cachingPieces: cachingPieces, into: &ids) }
        return ids
    }

    /// The number of tokens `encode` would return, without building the array of ids.
    public func count(_ text: String) -> Int {
        count(text, cachingPieces: true)
    }

    func count(_ text: String, cachingPieces: Bool) -> Int {
        var total = 0
        withPaddedUTF8(text) { total = countTokens($0, cachingPieces: cachingPieces) }
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

    private func countTokens(_ text: UTF8Text, cachingPieces: Bool) -> Int {
        let cache = cachingPieces ? PieceCache(for: text) : nil
        return switch encoding {
        case .o200kBase: countTokens(text, O200kPreTokenizer.self, cache)
        case .cl100kBase: countTokens(text, Cl100kPreTokenizer.self, cache)
        }
    }

    private func encodeTokens(_ text: UTF8Text, cachingPieces: Bool, into ids: inout [Int]) {
        let cache = cachingPieces ? PieceCache(for: text) : nil
        switch encoding {
        case .o200kBase: encodeTokens(text, O200kPreTokenizer.self, cache, into: &ids)
        case .cl100kBase: encodeTokens(text, Cl100kPreTokenizer.self, cache, into: &ids)
        }
    }

    @inline(__always)
    private func countTokens<P: PreTokenizer>(_ text: UTF8Text, _: P.Type, _ cache: PieceCache?) -> Int {
        var merger = BytePairMerger(ranks: ranks)
        var total = 0
        var start = 0
        while start < text.count {
            let end = P.pieceEnd(in: text, from: start)
            let length = end - start
            let piece = text.bytes + start
            // Most pieces are whole tokens; single bytes always are.
            if length == 1 || ranks.rank(piece, length) != RankTable.absent {
                total += 1
            } else if let cache {
                let slot = PieceCache.slot(RankTable.hash(piece, length))
                if let hit = cache.lookup(slot: slot, start: start, length: length) {
                    total += Int(hit.tokenCount)
                } else {
                    let count = merger.merge(piece, length: length)
                    cache.store(slot: slot, start: start, length: length, firstToken: 0, tokenCount: count)
                    total += count
                }
            } else {
                total += merger.merge(piece, length: length)
            }
            start = end
        }
        return total
    }

    @inline(__always)
    private func encodeTokens<P: PreTokenizer>(
        _ text: UTF8Text, _: P.Type, _ cache: PieceCache?, into ids: inout [Int]
    ) {
        var merger = BytePairMerger(ranks: ranks)
        var start = 0
        while start < text.count {
            let end = P.pieceEnd(in: text, from: start)
            let piece = text.bytes + start
            let length = end - start
            let whole = ranks.rank(piece, length)
            if whole != RankTable.absent {
                ids.append(Int(whole))
            } else {
                let slot = PieceCache.slot(RankTable.hash(piece, length))
                if let hit = cache?.lookup(slot: slot, start: start, length: length) {
                    // Element by element: appending a slice of `ids` to itself would copy it whole.
                    for index in Int(hit.firstToken)..<Int(hit.firstToken + hit.tokenCount) {
                        ids.append(ids[index])
                    }
                } else {
                    let firstToken = ids.count
                    let parts = merger.merge(piece, length: length)
                    let boundaries = merger.boundaries
                    for part in 0..<parts {
                        let partStart = Int(boundaries[part])
                        ids.append(Int(ranks.rank(piece + partStart, Int(boundaries[part + 1]) - partStart)))
                    }
                    cache?.store(slot: slot, start: start, length: length, firstToken: firstToken, tokenCount: parts)
                }
            }
            start = end
        }
    }
}
