/// Remembers, within one text, the tokens of pieces that needed merging. Source code repeats its
/// identifiers, keywords with their leading space, and indentation; a hit costs a hash and a byte
/// comparison instead of a merge. Entries point back into the text (the earlier occurrence) and,
/// when encoding, into the ids already produced, so nothing is copied into the cache.
/// Direct-mapped: a colliding piece simply replaces the older one.
final class PieceCache {
    struct Entry {
        var start: Int32  // offset of an earlier occurrence in the text; length 0 = empty
        var length: Int32
        var firstToken: Int32  // where its ids begin in the output (encoding only)
        var tokenCount: Int32
    }

    /// Below this many bytes a text has too few repeats to pay for clearing the table.
    static let minimumTextLength = 2048
    private static let bits = 12

    private let entries: UnsafeMutablePointer<Entry>
    private let text: UnsafePointer<UInt8>

    /// nil when the text is too short to benefit, or too long for 32-bit offsets.
    init?(for text: UTF8Text) {
        guard text.count >= Self.minimumTextLength, text.count < Int(Int32.max) else { return nil }
        self.text = text.bytes
        entries = .allocate(capacity: 1 << Self.bits)
        entries.initialize(repeating: Entry(start: 0, length: 0, firstToken: 0, tokenCount: 0), count: 1 << Self.bits)
    }

    deinit { entries.deallocate() }

    @inline(__always)
    static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - bits)) }

    /// The entry for the piece at `start`, if an earlier occurrence of the same bytes is cached.
    @inline(__always)
    func lookup(slot: Int, start: Int, length: Int) -> Entry? {
        let entry = entries[slot]
        guard Int(entry.length) == length,
            RankTable.equalBytes(text + start, text + Int(entry.start), length)
        else { return nil }
        return entry
    }

    @inline(__always)
    func store(slot: Int, start: Int, length: Int, firstToken: Int, tokenCount: Int) {
        entries[slot] = Entry(
            start: Int32(truncatingIfNeeded: start), length: Int32(truncatingIfNeeded: length),
            firstToken: Int32(truncatingIfNeeded: firstToken), tokenCount: Int32(truncatingIfNeeded: tokenCount))
    }
}
