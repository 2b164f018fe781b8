/// Maps token byte sequences to their BPE rank: the hot lookup of the tokenizer.
///
/// Two open-addressing tables: sequences of up to 7 bytes are packed with their length into one
/// `UInt64` (most lookups during merging are of such short pairs, so they cost one multiply and
/// usually one cache line); longer ones are hashed and compared against a shared byte blob.
/// The storage is written once in `init` and only read afterwards, which is why sharing it across
/// threads is safe.
final class RankTable: @unchecked Sendable {
    static let absent = UInt32.max

    let count: Int
    let maxTokenLength: Int

    private struct ShortSlot {
        var key: UInt64  // 0 = empty; a real key always has a non-zero length byte
        var rank: UInt32
    }

    private struct LongSlot {
        var tag: UInt32
        var length: UInt32  // 0 = empty
        var offset: UInt32
        var rank: UInt32
    }

    private let shortSlots: UnsafeMutablePointer<ShortSlot>
    private let shortMask: Int
    private let shortShift: UInt64
    private let longSlots: UnsafeMutablePointer<LongSlot>
    private let longMask: Int
    private let longShift: UInt64
    private let blob: UnsafeMutablePointer<UInt8>

    /// - Parameters:
    ///   - blob: every token's bytes, back to back.
    ///   - tokens: each token's offset and length in `blob`, and its rank.
    /// - Returns: nil when two tokens have the same bytes (a corrupt table).
    init?(blob bytes: [UInt8], tokens: [(offset: Int, length: Int, rank: UInt32)]) {
        count = tokens.count
        maxTokenLength = tokens.map(\.length).max() ?? 0

        let blob = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 8)
        blob.initialize(repeating: 0, count: bytes.count + 8)
        bytes.withUnsafeBufferPointer { blob.update(from: $0.baseAddress!, count: bytes.count) }
        self.blob = blob

        let shortCount = tokens.lazy.filter { $0.length <= 7 }.count
        let shortBits = Self.tableBits(for: shortCount)
        shortMask = (1 << shortBits) - 1
        shortShift = UInt64(64 - shortBits)
        shortSlots = .allocate(capacity: 1 << shortBits)
        shortSlots.initialize(repeating: ShortSlot(key: 0, rank: 0), count: 1 << shortBits)

        let longBits = Self.tableBits(for: tokens.count - shortCount)
        longMask = (1 << longBits) - 1
        longShift = UInt64(64 - longBits)
        longSlots = .allocate(capacity: 1 << longBits)
        longSlots.initialize(repeating: LongSlot(tag: 0, length: 0, offset: 0, rank: 0), count: 1 << longBits)

        for token in tokens {
            let start = UnsafePointer(blob + token.offset)
            guard rank(start, token.length) == Self.absent else { return nil }
            if token.length <= 7 {
                let key = Self.packedKey(start, token.length)
                var slot = Int(truncatingIfNeeded: Self.mix(key) >> shortShift)
                while shortSlots[slot].key != 0 { slot = (slot + 1) & shortMask }
                shortSlots[slot] = ShortSlot(key: key, rank: token.rank)
            } else {
                let hash = Self.longHash(start, token.length)
                var slot = Int(truncatingIfNeeded: hash >> longShift)
                while longSlots[slot].length != 0 { slot = (slot + 1) & longMask }
                longSlots[slot] = LongSlot(
                    tag: UInt32(truncatingIfNeeded: hash), length: UInt32(token.length),
                    offset: UInt32(token.offset), rank: token.rank)
            }
        }
    }

    deinit {
        shortSlots.deallocate()
        longSlots.deallocate()
        blob.deallocate()
    }

    /// The rank of `length` bytes at `start`, or `absent`.
    /// For lengths under 8 it reads 8 bytes from `start`: callers keep 8 readable bytes of padding
    /// after their text.
    @inline(__always)
    func rank(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        if length <= 7 {
            let key = Self.packedKey(start, length)
            var slot = Int(truncatingIfNeeded: Self.mix(key) >> shortShift)
            while true {
                let candidate = shortSlots[slot]
                if candidate.key == 0 { return Self.absent }
                if candidate.key == key { return candidate.rank }
                slot = (slot + 1) & shortMask
            }
        }
        return longRank(start, length)
    }

    private func longRank(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        guard length <= maxTokenLength else { return Self.absent }
        let hash = Self.longHash(start, length)
        let tag = UInt32(truncatingIfNeeded: hash)
        var slot = Int(truncatingIfNeeded: hash >> longShift)
        while true {
            let candidate = longSlots[slot]
            if candidate.length == 0 { return Self.absent }
            if candidate.tag == tag && Int(candidate.length) == length
                && Self.equalBytes(start, UnsafePointer(blob + Int(candidate.offset)), length)
            {
                return candidate.rank
            }
            slot = (slot + 1) & longMask
        }
    }

    /// A hash of any byte sequence (8 readable bytes of padding required, as for `rank`).
    @inline(__always)
    static func hash(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        length <= 7 ? mix(packedKey(start, length)) : longHash(start, length)
    }

    /// Table size: a power of two at most about 60% full, so probe chains stay short.
    private static func tableBits(for entries: Int) -> Int {
        var bits = 4
        while (1 << bits) * 3 < entries * 5 { bits += 1 }
        return bits
    }

    @inline(__always)
    private static func load64(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// Up to 7 bytes in the low bytes (little-endian), the length in the top byte.
    @inline(__always)
    static func packedKey(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let mask: UInt64 = (1 &<< UInt64(length &* 8)) &- 1
        return (load64(start) & mask) | (UInt64(truncatingIfNeeded: length) &<< 56)
    }

    @inline(__always)
    static func mix(_ key: UInt64) -> UInt64 {
        var x = key &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        return x &* 0xBF58_476D_1CE4_E5B9
    }

    /// Hash of 8 or more bytes, read in 8-byte words; the last word overlaps the one before it
    /// rather than reading past the end.
    @inline(__always)
    static func longHash(_ start: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var hash = UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while offset + 8 <= length {
            hash = mix(hash ^ load64(start + offset))
            offset += 8
        }
        if offset < length {
            hash = mix(hash ^ load64(start + length - 8))
        }
        return hash
    }

    @inline(__always)
    static func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        var offset = 0
        while offset + 8 <= length {
            if load64(a + offset) != load64(b + offset) { return false }
            offset += 8
        }
        if offset == length { return true }
        // Lengths under 8 compare the low bytes of one padded word; longer ones the last word.
        if length < 8 { return packedKey(a, length) == packedKey(b, length) }
        return load64(a + length - 8) == load64(b + length - 8)
    }
}
