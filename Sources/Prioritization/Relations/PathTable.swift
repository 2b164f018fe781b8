import Foundation

/// The paths of one organization's co-access graph as dense integers, so that learning a relation
/// compares and hashes integers instead of path strings (a TRACK updates up to 16 relations).
///
/// Ids are never reused or taken back: the graph already keeps every path's token count for as
/// long as it lives, so the table grows with the same distinct paths and adds no new bound.
struct PathTable: Sendable {
    private var ids: [String: UInt32] = [:]
    private(set) var paths: [String] = []
    /// Every ASCII path's bytes, one after another (`ends[id]` marks where path `id`'s end; a
    /// non-ASCII path takes none and is flagged in `isASCII`): what `precedes` compares.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var isASCII: [Bool] = []

    var count: Int { paths.count }

    /// The id of `path`, given a new one the first time.
    mutating func intern(_ path: String) -> UInt32 {
        if let id = ids[path] { return id }
        precondition(paths.count < Int(UInt32.max), "more than 2^32 - 1 paths in one graph")
        let id = UInt32(paths.count)
        ids[path] = id
        paths.append(path)
        var path = path
        let ascii = path.withUTF8 { utf8 in
            guard utf8.allSatisfy({ $0 < 0x80 }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        ends.append(bytes.count)
        isASCII.append(ascii)
        return id
    }

    /// Whether path `a` sorts before path `b`, in String order: how pruning breaks ties. Two ASCII
    /// paths are compared byte by byte; String's `<` on them went through its general comparison
    /// (normalization checks, small-string forms) and, with the ties of a busy server (relations
    /// learned in the same millisecond weigh the same), was a fifth of relation learning's
    /// instructions over 100k paths. Others fall back to `<` (canonical ordering).
    func precedes(_ a: UInt32, _ b: UInt32) -> Bool {
        let (first, second) = (Int(a), Int(b))
        guard isASCII[first] && isASCII[second] else { return paths[first] < paths[second] }
        let (firstStart, secondStart) = (first == 0 ? 0 : ends[first - 1], second == 0 ? 0 : ends[second - 1])
        let (firstCount, secondCount) = (ends[first] - firstStart, ends[second] - secondStart)
        let common = min(firstCount, secondCount)
        let order = common == 0 ? 0 : bytes.withUnsafeBufferPointer { bytes in
            memcmp(bytes.baseAddress! + firstStart, bytes.baseAddress! + secondStart, common)
        }
        return order != 0 ? order < 0 : firstCount < secondCount
    }

    /// The id of `path` if it was ever interned.
    func id(of path: String) -> UInt32? { ids[path] }

    subscript(id: UInt32) -> String { paths[Int(id)] }
}
